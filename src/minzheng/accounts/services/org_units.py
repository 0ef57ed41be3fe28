"""Writes to org units one at a time (the bulk seed lives in ``seed``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.accounts.models import OrgUnit, User
from minzheng.accounts.services._common import ensure_may
from minzheng.audit.services import record_event, snapshot
from minzheng.divisions.models import Division

ORG_UNIT_FIELDS = ("code", "name", "kind", "division", "parent", "business_line", "closed_at")


def orgunit_create(
    *,
    by: User | None,
    code: str,
    name: str,
    kind: str,
    division: Division,
    parent: OrgUnit | None = None,
    business_line: str = "",
) -> OrgUnit:
    """Create an org unit of ``kind`` placed in ``division`` (e.g. a social organisation).

    The creator needs ``orgunit.manage`` over the division; the division must exist today.
    """
    ensure_may(by, "orgunit.manage", division)
    if not division.is_active:
        raise ValidationError({"division": _("该区划已撤销，不能新增机构。")})
    unit = OrgUnit(
        code=code.strip(),
        name=name.strip(),
        kind=kind,
        division=division,
        parent=parent,
        business_line=business_line,
    )
    unit.full_clean()
    with transaction.atomic():
        unit.save()
        record_event(
            actor=by, action="orgunit.create", obj=unit, after=snapshot(unit, ORG_UNIT_FIELDS)
        )
    return unit


def orgunit_close(*, by: User | None, unit: OrgUnit, reason: str = "") -> OrgUnit:
    """Close an org unit (it stays, with the time it closed). Its users stay until moved."""
    ensure_may(by, "orgunit.manage", unit.division)
    if unit.closed_at is not None:
        raise ValidationError(_("该机构已撤销。"))
    before = snapshot(unit, ORG_UNIT_FIELDS)
    unit.closed_at = timezone.now()
    with transaction.atomic():
        unit.save(update_fields=["closed_at"])
        record_event(
            actor=by,
            action="orgunit.close",
            obj=unit,
            before=before,
            after=snapshot(unit, ORG_UNIT_FIELDS),
            reason=reason,
        )
    return unit
