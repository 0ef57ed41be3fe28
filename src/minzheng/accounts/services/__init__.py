"""Writes for accounts: users, roles, role assignments, org units, two-factor devices, API tokens.

Every function here is keyword-only, validates with ``full_clean()``, runs in one
``transaction.atomic`` and records an audit event. Callers import this package
(``from minzheng.accounts import services as account_services``); the sub-modules are the
sub-domains.
"""

from minzheng.accounts.services.org_units import orgunit_close, orgunit_create
from minzheng.accounts.services.rehome import rehome_division
from minzheng.accounts.services.roles import (
    assignment_close,
    assignment_create,
    role_create,
    role_update,
)
from minzheng.accounts.services.security import (
    record_login,
    totp_confirm,
    totp_current_code,
    totp_enrol,
    totp_reset,
    totp_verify,
    user_unlock,
)
from minzheng.accounts.services.seed import (
    SeedResult,
    seed_org_units,
    seed_roles,
)
from minzheng.accounts.services.tokens import apitoken_create, apitoken_revoke, apitoken_touch
from minzheng.accounts.services.users import (
    user_activate,
    user_create,
    user_deactivate,
    user_set_password,
    user_update,
)

__all__ = [
    "SeedResult",
    "apitoken_create",
    "apitoken_revoke",
    "apitoken_touch",
    "assignment_close",
    "assignment_create",
    "orgunit_close",
    "orgunit_create",
    "record_login",
    "rehome_division",
    "role_create",
    "role_update",
    "seed_org_units",
    "seed_roles",
    "totp_confirm",
    "totp_current_code",
    "totp_enrol",
    "totp_reset",
    "totp_verify",
    "user_activate",
    "user_create",
    "user_deactivate",
    "user_set_password",
    "user_unlock",
    "user_update",
]
