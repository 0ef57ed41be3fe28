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
