from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "minzheng.registry"
    label = "registry"
    verbose_name = _("家庭信息库")
    # With each worker heartbeat: an import whose process died is marked failed.
    periodic_jobs = ("minzheng.registry.ingest.services.fail_stale_batches",)

    def ready(self) -> None:
        # Hooks the division tree offers so that it never imports the registry.
        from minzheng.divisions import counters
        from minzheng.divisions.signals import division_rehomed
        from minzheng.registry import receivers
        from minzheng.registry.selectors import scope

        division_rehomed.connect(
            receivers.on_division_rehomed, dispatch_uid="registry.on_division_rehomed"
        )
        counters.register("households", _("家庭"), scope.count_households_by_path, order=30)
        counters.register("persons", _("人员"), scope.count_persons_by_path, order=40)
