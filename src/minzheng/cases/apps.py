from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "minzheng.cases"
    label = "cases"
    verbose_name = _("救助案件")
    # Called by ``minzheng worker`` with every heartbeat: queues the day's check once.
    periodic_jobs = ("minzheng.cases.schedule.tick",)

    def ready(self) -> None:
        # Hooks other apps offer, so that they never import cases.
        from minzheng.cases import receivers

        receivers.connect()
