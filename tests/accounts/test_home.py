"""Each role's home page: its template, its scope with real counts, nothing invented."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from minzheng.accounts.models import OrgUnit, Role, RoleAssignment, User
from minzheng.divisions.models import Division
from minzheng.web.selectors import home_context

pytestmark = pytest.mark.django_db

HOME = reverse("web:home")


@pytest.fixture
def holder(scoped_user: Callable[..., User]) -> Callable[..., User]:
    """A user holding one seeded role over a division (signed in without TOTP in tests)."""

    def make(role: str, division: str, business_line: str = "", unit: str = "") -> User:
        user = scoped_user(
            division=division, org_unit=OrgUnit.objects.get(code=unit) if unit else None
        )
        RoleAssignment.objects.create(
            user=user,
            role=Role.objects.get(code=role),
            division=Division.objects.get(code=division),
            business_line=business_line,
        )
        return user

    return make


def _page(client: Client, user: User) -> str:
    client.force_login(user)
    session = client.session
    # These tests look at the pages, not at the second factor (tested on its own).
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="t", confirmed=True)
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    response = client.get(HOME)
    assert response.status_code == 200
    return response.content.decode()


def test_township_worker_sees_their_villages(client: Client, holder: Callable[..., User]) -> None:
    user = holder("township_worker", "500101001", unit="station-500101001")
    context = home_context(user=user)
    assert context["template"] == "web/home_township_worker.html"
    villages = Division.objects.filter(parent__code="500101001", valid_to__isnull=True).count()
    assert dict(context["scope"]["levels"]) == {"村(社区)": villages}
    assert len(context["children"]["rows"]) == villages
    page = _page(client, user)
    assert "高笋塘街道" in page
    assert "东方广场社区居民委员会" in page
    assert "乡镇(街道)民政服务站工作人员" in page
    assert "高笋塘街道民政服务站" in page


def test_county_officer_sees_townships_with_village_counts(
    client: Client, holder: Callable[..., User]
) -> None:
    user = holder("county_officer", "500101", unit="county-bureau-500101")
    context = home_context(user=user)
    townships = Division.objects.filter(parent__code="500101", valid_to__isnull=True).count()
    assert len(context["children"]["rows"]) == townships
    first = context["children"]["rows"][0]
    assert first["children"] == Division.objects.filter(parent=first["division"]).count()
    kinds = dict(context["scope"]["kinds"])
    assert kinds["乡镇(街道)民政服务站"] == townships
    assert kinds["区县民政局"] == 1
    assert "本区县的乡镇(街道)" in _page(client, user)


def test_city_department_sees_its_business_line(
    client: Client, holder: Callable[..., User]
) -> None:
    user = holder(
        "city_department",
        "500000",
        business_line="social_assistance",
        unit="city-dept-social-assistance",
    )
    page = _page(client, user)
    assert "市局处室 · 重庆市 · 社会救助" in " ".join(page.split())
    assert "重庆市最低生活保障事务中心" in page
    assert "万州区" in page


def test_leadership_sees_city_aggregates_only(client: Client, holder: Callable[..., User]) -> None:
    user = holder("leadership", "500000")
    context = home_context(user=user)
    assert context["scope"] is None
    levels = dict(context["city"]["levels"])
    assert levels == {"区县": 38, "乡镇(街道)": 1031, "村(社区)": 11270}
    assert sum(context["chart"]["villages"]) == 11270
    assert sum(context["chart"]["townships"]) == 1031
    page = _page(client, user)
    assert "全市概况" in page
    assert "11270" in page


def test_admin_sees_counts_and_locked_accounts(
    client: Client, holder: Callable[..., User], scoped_user: Callable[..., User]
) -> None:
    admin = holder("admin", "500101", unit="county-bureau-500101")
    victim = scoped_user(division="500101", username="victim", password="Victim-pass-2026")
    for _ in range(5):
        Client().post(reverse("accounts:login"), {"username": "victim", "password": "nope"})
    context = home_context(user=admin)
    assert [lock.username for lock, _user in context["locked"]] == ["victim"]
    assert context["stats"].roles == Role.objects.count()
    assert (
        context["stats"].users
        == User.objects.filter(org_unit__division__path__startswith="500000/500101/").count()
    )
    page = _page(client, admin)
    assert "当前被锁定的账号" in page
    assert reverse("accounts:user_unlock", kwargs={"pk": victim.pk}) in page


def test_auditor_partner_and_village_pages_render(
    client: Client, holder: Callable[..., User]
) -> None:
    auditor = holder("auditor", "500000")
    assert "范围内事件" in _page(client, auditor)
    agency = holder("partner_agency", "500000", unit="agency-healthcare-security")
    assert "重庆市医疗保障局" in _page(Client(), agency)
    village = holder("village_helper", "500101001001", unit="village-500101001001")
    page = _page(Client(), village)
    assert "东方广场社区居民委员会" in page
    assert "城市" in page  # the community's area type


def test_user_without_role_is_told_so(client: Client, scoped_user: Callable[..., User]) -> None:
    user = scoped_user(division="500101")
    client.force_login(user)
    assert "您尚未被授予任何角色" in client.get(HOME).content.decode()


def test_own_events_listed(client: Client, holder: Callable[..., User]) -> None:
    user = holder("township_worker", "500101001")
    client.force_login(user)
    from minzheng.accounts import services

    services.record_login(user=user)
    assert "<span>登录 · " in client.get(HOME).content.decode()
