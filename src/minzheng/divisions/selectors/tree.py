"""Reads of today's tree: look-ups, children, subtrees, counties, search."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db import models
from django.db.models import Q, QuerySet

from minzheng.divisions.models import Division


def get_by_code(code: str) -> Division:
    """The division with ``code``, retired or not; raises ``Division.DoesNotExist``."""
    return Division.objects.get(code=code)


def valid_on_q(as_of: date | None, prefix: str = "") -> Q:
    """Rows valid on ``as_of`` (``valid_to`` is the first day a unit no longer exists).

    With ``as_of`` None: the rows valid today, i.e. not retired.
    """
    if as_of is None:
        return Q(**{f"{prefix}valid_to__isnull": True})
    return (
        Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": as_of})
    ) & (Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gt": as_of}))


def children(division: Division, *, include_retired: bool = False) -> QuerySet[Division]:
    """The current children of ``division``, by code."""
    qs = Division.objects.filter(parent=division)
    if not include_retired:
        qs = qs.filter(valid_to__isnull=True)
    return qs.order_by("code")


def subtree(division: Division, *, include_retired: bool = False) -> QuerySet[Division]:
    """``division`` and every division below it in today's tree."""
    qs = Division.objects.filter(path__startswith=division.path)
    if not include_retired:
        qs = qs.filter(valid_to__isnull=True)
    return qs


def counties(as_of: date | None = None) -> QuerySet[Division]:
    """The county-level units valid on ``as_of`` (today when None), by code."""
    return Division.objects.filter(valid_on_q(as_of), level=Division.Level.COUNTY).order_by("code")


def city() -> Division:
    """The root of the tree, 重庆市."""
    return Division.objects.get(level=Division.Level.CITY)


def search(q: str, *, within: QuerySet[Division], limit: int = 50) -> list[Division]:
    """Divisions in ``within`` whose name contains ``q`` or whose code starts with it.

    Current units first, then by level and code.
    """
    q = q.strip()
    if not q:
        return []
    qs = within.filter(Q(name__icontains=q) | Q(code__startswith=q)).select_related("parent")
    level_rank = {level: rank for rank, (level, _label) in enumerate(Division.Level.choices)}
    found = list(qs.order_by("code")[: limit * 4])
    found.sort(key=lambda d: (not d.is_active, level_rank[d.level], d.code))
    return found[:limit]


def ancestors(division: Division) -> list[Division]:
    """The divisions above ``division`` in today's tree, from the city down."""
    codes = division.path.strip("/").split("/")[:-1]
    by_code = {d.code: d for d in Division.objects.filter(code__in=codes)}
    return [by_code[c] for c in codes if c in by_code]


def child_counts(divisions: Sequence[Division]) -> dict[int, int]:
    """How many current children each of ``divisions`` has (for "expand" buttons)."""
    rows = (
        Division.objects.filter(parent__in=divisions, valid_to__isnull=True)
        .values_list("parent_id")
        .annotate(n=models.Count("id"))
        .order_by()
    )
    return dict(rows)
