from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    name = "minzheng.policy"
    label = "policy"
    verbose_name = _("政策与参数")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from minzheng.policy import receivers
        from minzheng.policy.models import Parameter, ParameterValue

        for model in (Parameter, ParameterValue):
            for event, signal in (("saved", post_save), ("deleted", post_delete)):
                signal.connect(
                    receivers.parameters_changed,
                    sender=model,
                    dispatch_uid=f"policy.revision.{model.__name__}.{event}",
                )
