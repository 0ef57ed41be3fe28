"""A division retired into a successor: current org units and scopes follow, history stays."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.utils import timezone

from minzheng.accounts.models import OrgUnit, Role, RoleAssignment, User
from minzheng.audit.models import AuditEvent
from minzheng.divisions.models import Division
from minzheng.divisions.signals import division_rehomed

pytestmark = pytest.mark.django_db


def test_receiver_moves_open_units_and_assignments(scoped_user: Callable[..., User]) -> None:
    old = Division.objects.get(code="500105")
    new = Division.objects.get(code="500112")
    bureau = OrgUnit.objects.get(code="county-bureau-500105")
    closed_unit = OrgUnit.objects.create(
        code="closed-500105",
        name="已撤销机构",
        kind="charity",
        division=old,
        closed_at=timezone.now(),
    )
    user = scoped_user(division="500105")
    role = Role.objects.get(code="county_officer")
    open_grant = RoleAssignment.objects.create(user=user, role=role, division=old)
    closed_grant = RoleAssignment.objects.create(
        user=user, role=Role.objects.get(code="admin"), division=old
    )
    RoleAssignment.objects.filter(pk=closed_grant.pk).update(closed_at=timezone.now())
    events_before = AuditEvent.objects.count()

    division_rehomed.send(sender=Division, old=old, new=new, change=None)

    bureau.refresh_from_db()
    closed_unit.refresh_from_db()
    open_grant.refresh_from_db()
    closed_grant.refresh_from_db()
    assert bureau.division_id == new.pk
    assert closed_unit.division_id == old.pk
    assert open_grant.division_id == new.pk
    assert closed_grant.division_id == old.pk
    # the factory's test unit of 500105 moved too: bureau + test unit + one grant
    assert AuditEvent.objects.count() == events_before + 3
    event = AuditEvent.objects.filter(action="orgunit.rehome", object_id=str(bureau.pk)).get()
    assert (event.before, event.after) == ({"division": "500105"}, {"division": "500112"})


def test_the_2025_change_moves_bureaus_and_scopes_into_the_new_district(
    scoped_user: Callable[..., User],
) -> None:
    from minzheng.accounts import services
    from minzheng.accounts.scope import restrict
    from minzheng.divisions import services as division_services

    officer = scoped_user(division="500112")
    RoleAssignment.objects.create(
        user=officer,
        role=Role.objects.get(code="county_officer"),
        division=Division.objects.get(code="500112"),
    )
    admin = User.objects.create(username="change-admin")
    change = division_services.change_record(
        spec=division_services.read_change_spec(
            "src/minzheng/divisions/changes/2025-lianjiang.json"
        ),
        by=admin,
    )
    # TEST VALUE for 两江新区's code, entered as an administrator would (the real one is unknown).
    division_services.change_apply(change=change, by=admin, new_codes={"liangjiang": "500199"})

    liangjiang = Division.objects.get(code="500199")
    bureaus = OrgUnit.objects.filter(code__startswith="county-bureau-", division=liangjiang)
    assert set(bureaus.values_list("name", flat=True)) == {"江北区民政局", "渝北区民政局"}
    grant = officer.assignments.get(closed_at__isnull=True)
    assert grant.division_id == liangjiang.pk
    # The officer now reaches the stations of the whole new district, 北碚's former streets too.
    fresh = User.objects.get(pk=officer.pk)
    visible = set(
        restrict(OrgUnit.objects.filter(kind="service_station"), fresh, "orgunit.view").values_list(
            "name", flat=True
        )
    )
    assert "水土街道民政服务站" in visible  # from 北碚区
    assert "观音桥街道民政服务站" in visible  # from 江北区
    assert "大湾镇民政服务站" not in visible  # from 渝北区 to 北碚区

    # Seeding again adds no third bureau to the district that already has two.
    result = services.seed_org_units()
    assert result.created_by_kind.get("county_bureau", 0) == 0
