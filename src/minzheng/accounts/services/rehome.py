"""Following a division change: current org units and scopes move to the successor division."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from minzheng.accounts.models import OrgUnit, RoleAssignment
from minzheng.audit.services import record_event
from minzheng.divisions.models import Division


def rehome_division(*, old: Division, new: Division, change: Any = None) -> tuple[int, int]:
    """Move open org units and open role assignments placed in ``old`` to ``new``.

    Closed units and closed assignments keep the division they had: they are history. Each
    moved row gets an audit event naming the change. Returns (units moved, assignments moved).
    """
    reason = f"division change {change.pk}" if change is not None else "division change"
    with transaction.atomic():
        units = list(OrgUnit.objects.select_for_update().filter(division=old, closed_at=None))
        for unit in units:
            unit.division = new
            unit.save(update_fields=["division"])
            record_event(
                actor=None,
                action="orgunit.rehome",
                obj=unit,
                before={"division": old.code},
                after={"division": new.code},
                reason=reason,
                division_code=new.code,
            )
        assignments = list(
            RoleAssignment.objects.select_for_update()
            .select_related("user", "role")
            .filter(division=old, closed_at=None)
        )
        for assignment in assignments:
            assignment.division = new
            assignment.save(update_fields=["division"])
            record_event(
                actor=None,
                action="role_assignment.rehome",
                obj=assignment,
                before={"division": old.code},
                after={"division": new.code},
                reason=reason,
                division_code=new.code,
            )
    return len(units), len(assignments)
