"""Writes to roles and role assignments: permissions are data, changed here and audited."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.accounts.models import BusinessLine, Role, RoleAssignment, User
from minzheng.accounts.permissions import ACTIONS
from minzheng.accounts.scope import forget_scope
from minzheng.accounts.services._common import ensure_may, ensure_may_city_wide
from minzheng.audit.services import record_event, snapshot
from minzheng.divisions.models import Division

ROLE_FIELDS = ("code", "name", "description", "actions", "requires_two_factor")
ASSIGNMENT_FIELDS = ("user", "role", "division", "business_line", "closed_at")


def _clean_actions(actions: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(actions))
    unknown = [a for a in chosen if a not in ACTIONS]
    if unknown:
        raise ValidationError({"actions": _("未知的权限：%s") % "、".join(unknown)})
    # Stored in the order of ACTIONS so that the same set always reads the same.
    return [a for a in ACTIONS if a in chosen]


def role_create(
    *,
    by: User | None,
    code: str,
    name: str,
    actions: Iterable[str],
    requires_two_factor: bool,
    description: str = "",
) -> Role:
    """Create a role. Roles hold no division, so only a city-wide ``role.manage`` may."""
    ensure_may_city_wide(by, "role.manage")
    role = Role(
        code=code.strip(),
        name=name.strip(),
        description=description.strip(),
        actions=_clean_actions(actions),
        requires_two_factor=requires_two_factor,
    )
    role.full_clean()
    with transaction.atomic():
        role.save()
        record_event(actor=by, action="role.create", obj=role, after=snapshot(role, ROLE_FIELDS))
    return role


def role_update(
    *,
    by: User | None,
    role: Role,
    name: str,
    actions: Iterable[str],
    requires_two_factor: bool,
    description: str | None = None,
) -> Role:
    """Change what a role may do. Takes effect on every holder's next request."""
    ensure_may_city_wide(by, "role.manage")
    before = snapshot(role, ROLE_FIELDS)
    role.name = name.strip()
    role.actions = _clean_actions(actions)
    role.requires_two_factor = requires_two_factor
    if description is not None:
        role.description = description.strip()
    role.full_clean()
    with transaction.atomic():
        role.save()
        record_event(
            actor=by,
            action="role.update",
            obj=role,
            before=before,
            after=snapshot(role, ROLE_FIELDS),
        )
    return role


def assignment_create(
    *,
    by: User | None,
    user: User,
    role: Role,
    division: Division,
    business_line: str = "",
) -> RoleAssignment:
    """Grant ``role`` to ``user`` over ``division`` (optionally one business line).

    The granter needs ``user.manage`` over the division; the division must exist today; the
    same grant may not be open twice.
    """
    ensure_may(by, "user.manage", division)
    if user.org_unit is not None:
        ensure_may(by, "user.manage", user.org_unit.division)
    if business_line and business_line not in BusinessLine.values:
        raise ValidationError({"business_line": _("未知的业务条线。")})
    if not division.is_active:
        raise ValidationError({"division": _("该区划已撤销，不能授权。")})
    duplicate = RoleAssignment.objects.filter(
        user=user,
        role=role,
        division=division,
        business_line=business_line,
        closed_at__isnull=True,
    ).exists()
    if duplicate:
        raise ValidationError(_("该用户已持有相同的授权。"))
    assignment = RoleAssignment(
        user=user, role=role, division=division, business_line=business_line
    )
    assignment.full_clean(exclude=["created_at"])
    with transaction.atomic():
        assignment.save()
        record_event(
            actor=by,
            action="role_assignment.create",
            obj=assignment,
            after=snapshot(assignment, ASSIGNMENT_FIELDS),
            division_code=division.code,
        )
    forget_scope(user)
    return assignment


def assignment_close(
    *, by: User | None, assignment: RoleAssignment, reason: str = ""
) -> RoleAssignment:
    """Withdraw a grant. The row stays, closed, as the record that it once existed."""
    ensure_may(by, "user.manage", assignment.division)
    if assignment.closed_at is not None:
        raise ValidationError(_("该授权已收回。"))
    before = snapshot(assignment, ASSIGNMENT_FIELDS)
    assignment.closed_at = timezone.now()
    with transaction.atomic():
        assignment.save(update_fields=["closed_at"])
        record_event(
            actor=by,
            action="role_assignment.close",
            obj=assignment,
            before=before,
            after=snapshot(assignment, ASSIGNMENT_FIELDS),
            reason=reason,
            division_code=assignment.division.code,
        )
    forget_scope(assignment.user)
    return assignment
