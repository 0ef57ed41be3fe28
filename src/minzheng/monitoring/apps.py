from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "minzheng.monitoring"
    label = "monitoring"
    verbose_name = _("动态监测")
    # Called by ``minzheng worker`` with every heartbeat: queues the nightly run when due.
    periodic_jobs = ("minzheng.monitoring.schedule.tick",)
    # Called by each web worker of ``minzheng serve`` before it takes requests: the household
    # engine's plan is compiled and prepared then, not on the first household page.
    warm_up_jobs = ("minzheng.monitoring.outcomes.warm_up",)

    def ready(self) -> None:
        # The household timeline is a list of providers; monitoring adds its alerts to it.
        from minzheng.divisions.signals import division_rehomed
        from minzheng.monitoring import outcomes, receivers, timeline

        timeline.register()
        outcomes.register_panel()
        division_rehomed.connect(
            receivers.on_division_rehomed, dispatch_uid="monitoring.on_division_rehomed"
        )
