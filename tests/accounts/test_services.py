"""Account services: users, role assignments, roles, org units — each audited, each guarded."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from minzheng.accounts import services
from minzheng.accounts.models import OrgUnit, Role, RoleAssignment, User
from minzheng.audit.models import AuditEvent
from minzheng.divisions.models import Division

pytestmark = pytest.mark.django_db


def _data(value: dict[str, object] | None) -> dict[str, object]:
    assert value is not None
    return value


GOOD_PASSWORD = "Chongqing-2026a"


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


@pytest.fixture
def county_admin(scoped_user: Callable[..., User]) -> User:
    return scoped_user(["user.manage", "orgunit.manage"], division="500101")


def test_user_create_is_audited_and_scoped(county_admin: User) -> None:
    station = OrgUnit.objects.get(code="station-500101001")
    user = services.user_create(
        by=county_admin,
        username="wang.fang",
        password=GOOD_PASSWORD,
        full_name="王芳",
        org_unit=station,
        phone="13800000000",
    )
    assert user.check_password(GOOD_PASSWORD)
    assert (user.full_name, user.org_unit_id, user.is_active) == ("王芳", station.pk, True)
    event = _events("user.create")[-1]
    assert (event.actor_id, event.object_id, event.division_code) == (
        county_admin.pk,
        str(user.pk),
        "500101001",
    )
    assert _data(event.after)["full_name"] == "王芳"
    assert "password" not in _data(event.after)

    other_county = OrgUnit.objects.get(code="county-bureau-500229")
    with pytest.raises(PermissionDenied):
        services.user_create(
            by=county_admin,
            username="li.si",
            password=GOOD_PASSWORD,
            full_name="李四",
            org_unit=other_county,
        )
    assert not User.objects.filter(username="li.si").exists()


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("short1a", "password_too_short"),
        ("abcdefghijkl", "password_classes"),
        ("1234567890123", "password_entirely_numeric"),
        ("password1234", "password_too_common"),
    ],
)
def test_weak_passwords_are_refused(password: str, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        services.user_create(
            by=None,
            username="weak",
            password=password,
            full_name="测试",
            org_unit=OrgUnit.objects.get(code="county-bureau-500101"),
        )
    assert code in {e.code for e in caught.value.error_list}, caught.value.messages
    assert not User.objects.filter(username="weak").exists()


def test_update_deactivate_activate_and_password(county_admin: User) -> None:
    user = services.user_create(
        by=None,
        username="zhao",
        password=GOOD_PASSWORD,
        full_name="赵一",
        org_unit=OrgUnit.objects.get(code="county-bureau-500101"),
    )
    station = OrgUnit.objects.get(code="station-500101001")
    services.user_update(by=county_admin, user=user, full_name="赵二", org_unit=station)
    event = _events("user.update")[-1]
    assert (_data(event.before)["full_name"], _data(event.after)["full_name"]) == ("赵一", "赵二")
    assert _data(event.after)["org_unit"] == station.pk

    services.user_deactivate(by=county_admin, user=user, reason="调离")
    user.refresh_from_db()
    assert user.is_active is False
    assert _events("user.deactivate")[-1].reason == "调离"
    services.user_activate(by=county_admin, user=user)
    user.refresh_from_db()
    assert user.is_active is True

    services.user_set_password(by=county_admin, user=user, password="Another-pass-77")
    user.refresh_from_db()
    assert user.check_password("Another-pass-77")
    assert _events("user.password_set")[-1].after == {"reset_by_administrator": True}
    with pytest.raises(ValidationError):
        services.user_set_password(by=user, user=user, password="zhao")


def test_assignment_create_and_close(county_admin: User, scoped_user: Callable[..., User]) -> None:
    worker = scoped_user(division="500101001")
    role = Role.objects.get(code="township_worker")
    township = Division.objects.get(code="500101001")
    assignment = services.assignment_create(
        by=county_admin, user=worker, role=role, division=township
    )
    assert RoleAssignment.objects.filter(user=worker, closed_at__isnull=True).count() == 1
    event = _events("role_assignment.create")[-1]
    assert (event.object_id, event.division_code) == (str(assignment.pk), "500101001")

    with pytest.raises(ValidationError):
        services.assignment_create(by=county_admin, user=worker, role=role, division=township)
    with pytest.raises(PermissionDenied):
        services.assignment_create(
            by=county_admin, user=worker, role=role, division=Division.objects.get(code="500229")
        )

    services.assignment_close(by=county_admin, assignment=assignment, reason="调岗")
    assignment.refresh_from_db()
    assert assignment.closed_at is not None
    assert _events("role_assignment.close")[-1].reason == "调岗"
    with pytest.raises(ValidationError):
        services.assignment_close(by=county_admin, assignment=assignment)


def test_retired_division_cannot_be_granted() -> None:
    user = User.objects.create_user(username="x", password=GOOD_PASSWORD)
    division = Division.objects.get(code="500105")
    division.valid_to = division.valid_from or __import__("datetime").date(2026, 1, 25)
    division.save()
    with pytest.raises(ValidationError):
        services.assignment_create(
            by=None, user=user, role=Role.objects.get(code="admin"), division=division
        )


def test_role_update_needs_city_wide_role_manage(scoped_user: Callable[..., User]) -> None:
    role = Role.objects.get(code="village_helper")
    county = scoped_user(["role.manage"], division="500101")
    with pytest.raises(PermissionDenied):
        services.role_update(
            by=county, role=role, name=role.name, actions=[], requires_two_factor=False
        )
    city = scoped_user(["role.manage"], division="500000")
    services.role_update(
        by=city,
        role=role,
        name="村(社区)协理员",
        actions=["orgunit.view", "division.view", "division.view"],
        requires_two_factor=True,
    )
    role.refresh_from_db()
    assert role.actions == ["division.view", "orgunit.view"]
    assert role.requires_two_factor is True
    event = _events("role.update")[-1]
    assert (
        _data(event.before)["requires_two_factor"],
        _data(event.after)["requires_two_factor"],
    ) == (
        False,
        True,
    )
    with pytest.raises(ValidationError):
        services.role_update(
            by=city, role=role, name="x", actions=["no.such"], requires_two_factor=False
        )


def test_orgunit_create_for_a_social_organisation(county_admin: User) -> None:
    county = Division.objects.get(code="500101")
    unit = services.orgunit_create(
        by=county_admin,
        code="so-500101-001",
        name="万州区社会工作服务中心",
        kind=OrgUnit.Kind.SOCIAL_ORGANIZATION,
        division=county,
    )
    assert (unit.kind, unit.division_id) == ("social_organization", county.pk)
    assert _events("orgunit.create")[-1].object_id == str(unit.pk)
    with pytest.raises(ValidationError):
        services.orgunit_create(
            by=county_admin, code="so-500101-001", name="重名", kind="charity", division=county
        )
    services.orgunit_close(by=county_admin, unit=unit, reason="注销")
    unit.refresh_from_db()
    assert unit.closed_at is not None
