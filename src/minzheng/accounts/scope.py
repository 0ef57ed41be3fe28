"""Scope: the one place that decides which rows a user may see or act on.

Every list, detail, export and API query goes through ``restrict``. A model that can be restricted
names, as class attributes, how its rows reach a division path (and optionally a business line):

    scope_division_path = "division__path"       # lookup to a Division.path string
    scope_business_line = "business_line"        # optional lookup to a BusinessLine value

A model whose rows are addressed to one org unit (a referral to an agency or a charity) may
also name, for some actions, that the receiving unit's users see only what is addressed to them:

    scope_org_unit = "to_org_unit"               # lookup to the receiving OrgUnit
    scope_org_unit_actions = ("referral.answer",)

Under those actions a user holding the action (anywhere) sees the rows whose ``scope_org_unit``
is their own org unit, and nothing else; under other actions the division path applies as usual.

Views fetch single objects with ``get_object_or_404(restrict(...), pk=...)``, so a row out of
scope answers 404, never 403.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q, QuerySet

from minzheng.accounts.permissions import ACTIONS

M = TypeVar("M", bound=models.Model)

CITY_LEVEL = "city"


def active_assignments(user: Any, action: str) -> list[Any]:
    """The user's open role assignments whose role grants ``action``."""
    if action not in ACTIONS:
        raise ImproperlyConfigured(f"unknown action {action!r}")
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    cache: dict[str, list[Any]] = user.__dict__.setdefault("_scope_cache", {})
    if action not in cache:
        cache[action] = [
            a
            for a in user.assignments.filter(closed_at__isnull=True).select_related(
                "role", "division"
            )
            if action in a.role.actions
        ]
    return cache[action]


def forget_scope(user: Any) -> None:
    """Drop the per-request cache of ``user``'s assignments (after they changed)."""
    user.__dict__.pop("_scope_cache", None)


def can(user: Any, action: str) -> bool:
    """Whether the user holds ``action`` anywhere at all (for menus and buttons)."""
    return bool(active_assignments(user, action))


def can_city_wide(user: Any, action: str) -> bool:
    """Whether the user holds ``action`` over the whole city, for every business line.

    Objects that belong to no division (roles, the action list) are only changed this way.
    """
    return any(
        a.division.level == CITY_LEVEL and not a.business_line
        for a in active_assignments(user, action)
    )


def can_at(user: Any, action: str, division: Any, business_line: str = "") -> bool:
    """Whether the user holds ``action`` over ``division`` (and ``business_line``, if given).

    An assignment narrowed to a business line covers only that line; one without covers all.
    """
    return any(
        division.path.startswith(a.division.path)
        and (not a.business_line or a.business_line == business_line)
        for a in active_assignments(user, action)
    )


def scope_q(model: type[models.Model], user: Any, action: str) -> Q | None:
    """The filter for ``model`` rows the user may see under ``action``; None means nothing."""
    org_lookup = getattr(model, "scope_org_unit", None)
    if org_lookup and action in getattr(model, "scope_org_unit_actions", ()):
        org_unit_id = getattr(user, "org_unit_id", None)
        if org_unit_id is None or not active_assignments(user, action):
            return None
        return Q(**{org_lookup: org_unit_id})
    path_lookup = getattr(model, "scope_division_path", None)
    if not path_lookup:
        raise ImproperlyConfigured(f"{model.__name__} declares no scope_division_path")
    line_lookup = getattr(model, "scope_business_line", None)
    combined: Q | None = None
    for assignment in active_assignments(user, action):
        q = Q(**{f"{path_lookup}__startswith": assignment.division.path})
        if line_lookup and assignment.business_line:
            q &= Q(**{line_lookup: assignment.business_line})
        combined = q if combined is None else combined | q
    return combined


def restrict[M: models.Model](queryset: QuerySet[M], user: Any, action: str) -> QuerySet[M]:
    """Narrow ``queryset`` to the rows ``user`` may reach under ``action``."""
    q = scope_q(queryset.model, user, action)
    return queryset.none() if q is None else queryset.filter(q)
