from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "minzheng.accounts"
    label = "accounts"
    verbose_name = _("机构与用户")

    def ready(self) -> None:
        # Hooks the division tree offers so that it never imports accounts.
        from minzheng.accounts import receivers, selectors
        from minzheng.divisions import counters
        from minzheng.divisions.signals import division_rehomed

        division_rehomed.connect(
            receivers.on_division_rehomed, dispatch_uid="accounts.on_division_rehomed"
        )
        counters.register("org_units", _("机构"), selectors.count_org_units_by_path, order=10)
        counters.register("users", _("用户"), selectors.count_users_by_path, order=20)
