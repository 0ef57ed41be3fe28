"""``minzheng demo``: exactly the expected demo organisations and accounts, idempotently."""

from __future__ import annotations

from io import StringIO

import pyotp
import pytest
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from minzheng.accounts import services as account_services
from minzheng.accounts.models import OrgUnit, RoleAssignment, User
from minzheng.audit.models import AuditEvent
from minzheng.demo.accounts import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

# username → (role, org unit, division of the grant, business line, needs 2FA)
EXPECTED = {
    "demo_village": ("village_helper", "village-500101001001", "500101001001", "", False),
    "demo_township": ("township_worker", "station-500101001", "500101001", "", False),
    "demo_township_chengkou": ("township_worker", "station-500229001", "500229001", "", False),
    "demo_county": ("county_officer", "county-bureau-500101", "500101", "", True),
    "demo_city": (
        "city_department",
        "city-dept-social-assistance",
        "500000",
        "social_assistance",
        True,
    ),
    "demo_agency": ("partner_agency", "agency-healthcare-security", "500000", "", False),
    "demo_charity": ("social_org", "demo-wanzhou-assistance-center", "500101", "", False),
    "demo_leader": ("leadership", "city-bureau", "500000", "", True),
    "demo_admin": ("admin", "city-dept-office", "500000", "", True),
    "demo_auditor": ("auditor", "city-bureau", "500000", "", True),
}


def _demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def test_demo_creates_exactly_one_account_per_role_with_its_scope_and_second_factor() -> None:
    output = _demo()

    assert sorted(User.objects.values_list("username", flat=True)) == sorted(EXPECTED)
    for username, (role, unit, division, line, two_factor) in EXPECTED.items():
        user = User.objects.get(username=username)
        assert user.org_unit is not None and user.org_unit.code == unit
        assert user.check_password(DEMO_PASSWORD)
        grants = list(
            RoleAssignment.objects.filter(user=user, closed_at__isnull=True).values_list(
                "role__code", "division__code", "business_line"
            )
        )
        assert grants == [(role, division, line)], username
        assert user.assignments.get().role.requires_two_factor is two_factor
        confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).count()
        assert confirmed == (1 if two_factor else 0), username
        assert username in output
    assert DEMO_PASSWORD in output
    assert "minzheng totp_code" in output
    assert "MINZHENG_DEMO_SKIP_2FA" in output

    # The printed TOTP secret yields the code the platform expects.
    county = User.objects.get(username="demo_county")
    line = next(line for line in output.splitlines() if line.startswith("demo_county "))
    assert pyotp.TOTP(line.split()[-1]).now() == account_services.totp_current_code(user=county)

    # Demo organisations are named as demo, and placed in 万州区.
    demo_units = OrgUnit.objects.filter(code__startswith="demo-").order_by("code")
    assert [(u.name, u.kind, u.division.code) for u in demo_units] == [
        ("万州区示范社会救助服务中心（演示）", "social_organization", "500101"),
        ("万州区示范公益慈善基金会（演示）", "charity", "500101"),
    ]


def test_running_demo_again_changes_nothing_and_says_so() -> None:
    _demo()
    events = AuditEvent.objects.count()
    assignments = RoleAssignment.objects.count()
    units = OrgUnit.objects.count()

    output = _demo()

    assert "已载入，跳过" in output
    assert User.objects.count() == len(EXPECTED)
    assert RoleAssignment.objects.count() == assignments
    assert OrgUnit.objects.count() == units
    assert AuditEvent.objects.count() == events


def test_reset_passwords_restores_the_demo_password() -> None:
    _demo()
    user = User.objects.get(username="demo_township")
    account_services.user_set_password(by=None, user=user, password="Another-secret-42")
    assert not User.objects.get(username="demo_township").check_password(DEMO_PASSWORD)

    output = _demo("--reset-passwords")

    assert f"已重置 {len(EXPECTED)} 个演示账号" in output
    assert all(u.check_password(DEMO_PASSWORD) for u in User.objects.all())
