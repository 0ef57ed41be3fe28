"""Who may see which divisions: the web edge's use of ``restrict`` (views and the API only).

The domain modules of divisions (models, services, selectors, counters) never import accounts;
the pages and the API must, because every query of scoped data goes through
``minzheng.accounts.scope.restrict``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from minzheng.accounts.scope import active_assignments, can, can_city_wide, restrict
from minzheng.divisions.models import Division

VIEW = "division.view"
CHANGE = "division.change"


def visible(user: Any, *, include_retired: bool = True) -> QuerySet[Division]:
    """The divisions ``user`` may see (their ``division.view`` subtrees)."""
    qs = Division.objects.all()
    if not include_retired:
        qs = qs.filter(valid_to__isnull=True)
    return restrict(qs, user, VIEW)


def can_view(user: Any) -> bool:
    return can(user, VIEW)


def require_view(user: Any) -> None:
    """404 unless ``user`` holds ``division.view`` somewhere."""
    if not can(user, VIEW):
        raise Http404


def require_change(user: Any) -> None:
    """404 unless ``user`` may record and apply division changes (city-wide only)."""
    if not can_city_wide(user, CHANGE):
        raise Http404


def may_change(user: Any) -> bool:
    return can_city_wide(user, CHANGE)


def get_visible(user: Any, code: str) -> Division:
    """The division ``code`` if ``user`` may see it, else 404 (out of scope looks like absent)."""
    division = visible(user).filter(code=code).first()
    if division is None:
        raise Http404
    return division


def scope_roots(user: Any) -> list[Division]:
    """The top-most divisions of ``user``'s view scope, in code order (no root under another)."""
    divisions = sorted(
        {a.division.pk: a.division for a in active_assignments(user, VIEW)}.values(),
        key=lambda d: len(d.path),
    )
    roots: list[Division] = []
    for division in divisions:
        if not any(division.path.startswith(root.path) for root in roots):
            roots.append(division)
    return sorted(roots, key=lambda d: d.path)
