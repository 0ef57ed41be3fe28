"""Writes to users: create, update, deactivate, reactivate, set a password."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from minzheng.accounts.models import OrgUnit, User
from minzheng.accounts.services._common import ensure_may
from minzheng.audit.services import record_event, snapshot

USER_FIELDS = ("username", "full_name", "org_unit", "phone", "is_active")


def _division_code(user: User) -> str:
    return user.org_unit.division.code if user.org_unit is not None else ""


def user_create(
    *,
    by: User | None,
    username: str,
    password: str,
    full_name: str,
    org_unit: OrgUnit,
    phone: str = "",
) -> User:
    """Create an active user in ``org_unit`` with ``password`` (checked against the rules).

    Raises ``ValidationError`` for a taken username, a missing name or a weak password.
    """
    ensure_may(by, "user.manage", org_unit.division)
    user = User(
        username=username.strip(), full_name=full_name.strip(), org_unit=org_unit, phone=phone
    )
    user.set_unusable_password()  # full_clean needs a value; the real one is set below
    user.full_clean()
    validate_password(password, user)
    user.set_password(password)
    with transaction.atomic():
        user.save()
        record_event(
            actor=by,
            action="user.create",
            obj=user,
            after=snapshot(user, USER_FIELDS),
            division_code=_division_code(user),
        )
    return user


def user_update(
    *,
    by: User | None,
    user: User,
    full_name: str,
    org_unit: OrgUnit,
    phone: str = "",
) -> User:
    """Change a user's name, org unit and phone. Moving a user needs scope at both ends."""
    ensure_may(by, "user.manage", user.org_unit.division if user.org_unit else org_unit.division)
    ensure_may(by, "user.manage", org_unit.division)
    before = snapshot(user, USER_FIELDS)
    user.full_name = full_name.strip()
    user.org_unit = org_unit
    user.phone = phone.strip()
    user.full_clean()
    with transaction.atomic():
        user.save(update_fields=["full_name", "org_unit", "phone"])
        record_event(
            actor=by,
            action="user.update",
            obj=user,
            before=before,
            after=snapshot(user, USER_FIELDS),
            division_code=_division_code(user),
        )
    return user


def _set_active(by: User | None, user: User, active: bool, action: str, reason: str) -> User:
    if user.org_unit is not None:
        ensure_may(by, "user.manage", user.org_unit.division)
    before = snapshot(user, USER_FIELDS)
    user.is_active = active
    with transaction.atomic():
        user.save(update_fields=["is_active"])
        record_event(
            actor=by,
            action=action,
            obj=user,
            before=before,
            after=snapshot(user, USER_FIELDS),
            reason=reason,
            division_code=_division_code(user),
        )
    return user


def user_deactivate(*, by: User | None, user: User, reason: str = "") -> User:
    """Stop a user from signing in (and from using API tokens). Nothing is deleted."""
    return _set_active(by, user, False, "user.deactivate", reason)


def user_activate(*, by: User | None, user: User, reason: str = "") -> User:
    """Let a deactivated user sign in again."""
    return _set_active(by, user, True, "user.activate", reason)


def user_set_password(*, by: User | None, user: User, password: str) -> User:
    """Set a new password after checking it against the password rules.

    ``by`` is the user themself (change password) or an administrator (reset). The event
    records who set it, never the password.
    """
    if by is not None and by.pk != user.pk and user.org_unit is not None:
        ensure_may(by, "user.manage", user.org_unit.division)
    validate_password(password, user)
    user.set_password(password)
    after: dict[str, Any] = {"reset_by_administrator": by is not None and by.pk != user.pk}
    with transaction.atomic():
        user.save(update_fields=["password"])
        record_event(
            actor=by,
            action="user.password_set",
            obj=user,
            after=after,
            division_code=_division_code(user),
        )
    return user
