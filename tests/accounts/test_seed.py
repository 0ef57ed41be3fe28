"""Seeding roles and org units: exact counts, idempotent, defaults reach roles once."""

from __future__ import annotations

import pytest

from minzheng.accounts import services
from minzheng.accounts.models import BusinessLine, OrgUnit, Role
from minzheng.accounts.permissions import ACTIONS, ROLES
from minzheng.audit.models import AuditEvent
from minzheng.divisions.models import Division

pytestmark = pytest.mark.django_db


def _data(value: dict[str, object] | None) -> dict[str, object]:
    assert value is not None
    return value


Kind = OrgUnit.Kind


def test_roles_are_seeded_once_with_their_actions() -> None:
    result = services.seed_roles()
    assert result.created == 0
    assert result.total == 9
    roles = {r.code: r for r in Role.objects.all()}
    assert set(roles) == {
        "village_helper",
        "township_worker",
        "county_officer",
        "city_department",
        "partner_agency",
        "social_org",
        "leadership",
        "admin",
        "auditor",
    }
    assert roles["township_worker"].name == "乡镇(街道)民政服务站工作人员"
    assert {c for c, r in roles.items() if r.requires_two_factor} == {
        "admin",
        "auditor",
        "county_officer",
        "city_department",
        "leadership",
    }
    assert "user.manage" in roles["admin"].actions
    assert roles["leadership"].actions == ["division.view", "dashboard.view"]
    for role in roles.values():
        assert set(role.actions) <= set(ACTIONS)


def test_a_removed_action_stays_removed_and_a_new_default_arrives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin = Role.objects.get(code="admin")
    admin.actions = [a for a in admin.actions if a != "apitoken.manage"]
    admin.save()
    services.seed_roles()
    admin.refresh_from_db()
    assert "apitoken.manage" not in admin.actions

    # A later release lists audit.view as a new default of the admin role.
    from minzheng.accounts import permissions

    changed = tuple(
        permissions.RoleDefinition(
            d.code,
            d.name,
            d.description,
            (*d.actions, "audit.view") if d.code == "admin" else d.actions,
            d.requires_two_factor,
        )
        for d in ROLES
    )
    monkeypatch.setattr("minzheng.accounts.services.seed.ROLES", changed)
    events_before = AuditEvent.objects.filter(action="role.update").count()
    services.seed_roles()
    services.seed_roles()
    admin.refresh_from_db()
    assert "audit.view" in admin.actions
    assert "apitoken.manage" not in admin.actions
    assert AuditEvent.objects.filter(action="role.update").count() == events_before + 1


def test_org_units_exact_counts() -> None:
    counties = Division.objects.filter(level="county", valid_to__isnull=True).count()
    townships = Division.objects.filter(level="township", valid_to__isnull=True).count()
    villages = Division.objects.filter(level="village", valid_to__isnull=True).count()
    assert (counties, townships, villages) == (38, 1031, 11270)
    counts = {k: OrgUnit.objects.filter(kind=k).count() for k in Kind.values}
    assert counts == {
        Kind.CITY_BUREAU: 1,
        Kind.DEPARTMENT: 10,
        Kind.AFFILIATED_UNIT: 4,
        Kind.COUNTY_BUREAU: 38,
        Kind.SERVICE_STATION: 1031,
        Kind.VILLAGE_COMMITTEE: 11270,
        Kind.PARTNER_AGENCY: 9,
        Kind.SOCIAL_ORGANIZATION: 0,
        Kind.CHARITY: 0,
    }


def test_seed_org_units_again_creates_nothing() -> None:
    total = OrgUnit.objects.count()
    events = AuditEvent.objects.filter(action="orgunit.seed").count()
    result = services.seed_org_units()
    assert (result.created, result.total) == (0, total)
    assert OrgUnit.objects.count() == total
    assert AuditEvent.objects.filter(action="orgunit.seed").count() == events


def test_seed_fills_in_what_is_missing() -> None:
    station = OrgUnit.objects.get(code="station-500101001")
    OrgUnit.objects.filter(parent=station).delete()
    station.delete()
    villages = Division.objects.filter(parent__code="500101001", valid_to__isnull=True).count()
    result = services.seed_org_units()
    assert villages > 0
    assert result.created_by_kind == {Kind.SERVICE_STATION: 1, Kind.VILLAGE_COMMITTEE: villages}
    event = AuditEvent.objects.filter(action="orgunit.seed").latest("id")
    assert _data(event.after)["created"] == result.created


def test_units_are_named_and_placed() -> None:
    bureau = OrgUnit.objects.get(kind=Kind.CITY_BUREAU)
    assert (bureau.name, bureau.division.code) == ("重庆市民政局", "500000")
    dept = OrgUnit.objects.get(name="社会救助处")
    assert (dept.parent_id, dept.business_line) == (bureau.pk, BusinessLine.SOCIAL_ASSISTANCE)
    assert OrgUnit.objects.get(name="重庆市最低生活保障事务中心").kind == Kind.AFFILIATED_UNIT
    wanzhou = OrgUnit.objects.get(code="county-bureau-500101")
    assert (wanzhou.name, wanzhou.parent_id) == ("万州区民政局", bureau.pk)
    station = OrgUnit.objects.get(code="station-500101001")
    assert (station.name, station.parent_id) == ("高笋塘街道民政服务站", wanzhou.pk)
    village = OrgUnit.objects.get(code="village-500101001001")
    assert (village.name, village.parent_id, village.division.code) == (
        "东方广场社区居民委员会",
        station.pk,
        "500101001001",
    )
    agencies = set(OrgUnit.objects.filter(kind=Kind.PARTNER_AGENCY).values_list("name", flat=True))
    assert "国家税务总局重庆市税务局" in agencies
    assert "重庆市医疗保障局" in agencies
    assert len(agencies) == 9
