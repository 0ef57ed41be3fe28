from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "minzheng.accounts"
    label = "accounts"
    verbose_name = _("机构与用户")

    def ready(self) -> None:
        from minzheng.accounts import receivers
        from minzheng.divisions.signals import division_rehomed

        division_rehomed.connect(
            receivers.on_division_rehomed, dispatch_uid="accounts.on_division_rehomed"
        )
