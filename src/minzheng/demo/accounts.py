"""Demo organisations and one demo account per role, for trying the platform on a laptop.

Everything goes through the accounts services (``orgunit_create``, ``user_create``,
``assignment_create``, ``totp_enrol``/``totp_confirm``), so the demo writes the same audit
events an administrator's work would. Running it again creates only what is missing.

Demo organisations are named ``…（演示）`` so nobody mistakes them for real ones; the demo people
are fictional.
"""

from __future__ import annotations

from base64 import b32encode
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from minzheng.accounts import selectors as account_selectors
from minzheng.accounts import services as account_services
from minzheng.accounts.models import BusinessLine, OrgUnit
from minzheng.divisions import selectors as division_selectors
from minzheng.divisions import services as division_services

# One password for every demo account: it passes the password rules (length, letters and
# digits, not common, not like the user name). Printed by `minzheng demo`; never use it for real.
DEMO_PASSWORD = "Chongqing-Demo-2026"


@dataclass(frozen=True)
class DemoOrg:
    """A demo social organisation or charity, created through ``orgunit_create``."""

    code: str
    name: str
    kind: str
    division_code: str
    business_line: str = ""


DEMO_ORGS: tuple[DemoOrg, ...] = (
    DemoOrg(
        "demo-wanzhou-assistance-center",
        "万州区示范社会救助服务中心（演示）",
        OrgUnit.Kind.SOCIAL_ORGANIZATION,
        "500101",
        BusinessLine.SOCIAL_ASSISTANCE,
    ),
    DemoOrg(
        "demo-wanzhou-charity-foundation",
        "万州区示范公益慈善基金会（演示）",
        OrgUnit.Kind.CHARITY,
        "500101",
        BusinessLine.CHARITY,
    ),
)


@dataclass(frozen=True)
class DemoAccount:
    """A demo user: who they are, where they work, and the one role they hold where."""

    username: str
    full_name: str
    role_code: str
    org_unit_code: str
    division_code: str
    business_line: str = ""


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(
        "demo_village",
        "向春梅（演示）",
        "village_helper",
        account_services.seed.village_committee_code("500101001001"),
        "500101001001",
    ),
    DemoAccount(
        "demo_township",
        "谭小兵（演示）",
        "township_worker",
        account_services.seed.station_code("500101001"),
        "500101001",
    ),
    DemoAccount(
        "demo_township_chengkou",
        "冉丽娟（演示）",
        "township_worker",
        account_services.seed.station_code("500229001"),
        "500229001",
    ),
    DemoAccount(
        "demo_county",
        "彭建国（演示）",
        "county_officer",
        account_services.seed.county_bureau_code("500101"),
        "500101",
    ),
    DemoAccount(
        "demo_city",
        "陈思远（演示）",
        "city_department",
        "city-dept-social-assistance",
        "500000",
        BusinessLine.SOCIAL_ASSISTANCE,
    ),
    DemoAccount(
        "demo_agency", "刘敏（演示）", "partner_agency", "agency-healthcare-security", "500000"
    ),
    DemoAccount(
        "demo_charity", "周晓燕（演示）", "social_org", "demo-wanzhou-assistance-center", "500101"
    ),
    DemoAccount("demo_leader", "王志强（演示）", "leadership", "city-bureau", "500000"),
    DemoAccount("demo_admin", "李卫东（演示）", "admin", "city-dept-office", "500000"),
    DemoAccount("demo_auditor", "张雪（演示）", "auditor", "city-bureau", "500000"),
)

DEMO_USERNAMES: tuple[str, ...] = tuple(a.username for a in DEMO_ACCOUNTS)


@dataclass(frozen=True)
class DemoAccountRow:
    """One line of the printed table of demo accounts."""

    username: str
    full_name: str
    role: str
    org_unit: str
    scope: str
    totp_secret: str  # "" when the role needs no second factor


@dataclass(frozen=True)
class DemoAccountsResult:
    created_users: int
    created_orgs: int
    passwords_reset: int
    skipped: bool  # everything was already there: nothing was loaded


def demo_accounts_loaded() -> bool:
    """Whether every demo account exists (one query: the cheap check before reloading)."""
    return get_user_model().objects.filter(username__in=DEMO_USERNAMES).count() == len(
        DEMO_ACCOUNTS
    )


def load_demo_accounts(*, reset_passwords: bool = False) -> DemoAccountsResult:
    """Load divisions, roles, org units, the demo organisations and the demo accounts.

    Skips all of it when every demo account already exists. ``reset_passwords`` sets every demo
    account's password back to ``DEMO_PASSWORD`` and clears their login lockouts.
    """
    reset = _reset_passwords() if reset_passwords else 0
    if demo_accounts_loaded():
        return DemoAccountsResult(0, 0, reset, skipped=True)
    division_services.load_divisions()
    account_services.seed_roles()
    account_services.seed_org_units()
    created_orgs = sum(_ensure_org(org) for org in DEMO_ORGS)
    created_users = sum(_ensure_account(account) for account in DEMO_ACCOUNTS)
    return DemoAccountsResult(created_users, created_orgs, reset, skipped=False)


def _ensure_org(org: DemoOrg) -> int:
    try:
        account_selectors.org_unit_by_code(org.code)
        return 0
    except OrgUnit.DoesNotExist:
        pass
    account_services.orgunit_create(
        by=None,
        code=org.code,
        name=org.name,
        kind=org.kind,
        division=division_selectors.get_by_code(org.division_code),
        business_line=org.business_line,
    )
    return 1


def _ensure_account(account: DemoAccount) -> int:
    """Create what is missing of one demo account: the user, the grant, the authenticator."""
    users = get_user_model().objects
    created = 0
    with transaction.atomic():
        user = users.filter(username=account.username).first()
        if user is None:
            user = account_services.user_create(
                by=None,
                username=account.username,
                password=DEMO_PASSWORD,
                full_name=account.full_name,
                org_unit=account_selectors.org_unit_by_code(account.org_unit_code),
            )
            created = 1
        role = account_selectors.roles().get(code=account.role_code)
        division = division_selectors.get_by_code(account.division_code)
        granted = (
            account_selectors.assignments_of(user, include_closed=False)
            .filter(role=role, division=division)
            .exists()
        )
        if not granted:
            account_services.assignment_create(
                by=None,
                user=user,
                role=role,
                division=division,
                business_line=account.business_line,
            )
        if role.requires_two_factor and not account_selectors.has_confirmed_device(user):
            account_services.totp_enrol(user=user)
            account_services.totp_confirm(
                user=user, token=account_services.totp_current_code(user=user)
            )
    return created


def _reset_passwords() -> int:
    from axes.utils import reset as axes_reset

    count = 0
    for user in get_user_model().objects.filter(username__in=DEMO_USERNAMES):
        account_services.user_set_password(by=None, user=user, password=DEMO_PASSWORD)
        axes_reset(username=user.username)
        count += 1
    return count


def demo_account_rows() -> list[DemoAccountRow]:
    """The demo accounts as they are now, in the order of ``DEMO_ACCOUNTS``."""
    users = {
        u.username: u
        for u in get_user_model()
        .objects.filter(username__in=DEMO_USERNAMES)
        .select_related("org_unit")
    }
    rows = []
    for account in DEMO_ACCOUNTS:
        user = users.get(account.username)
        if user is None:
            continue
        assignments = list(account_selectors.assignments_of(user, include_closed=False))
        # The secret is a credential no selector hands out; the demo prints it on purpose.
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        rows.append(
            DemoAccountRow(
                username=user.username,
                full_name=user.full_name,
                role="、".join(a.role.name for a in assignments),
                org_unit=user.org_unit.name if user.org_unit else "",
                scope="、".join(
                    a.division.name
                    + (f"·{BusinessLine(a.business_line).label}" if a.business_line else "")
                    for a in assignments
                ),
                totp_secret=b32encode(device.bin_key).decode("ascii") if device else "",
            )
        )
    return rows
