"""Reads of the division tree. Every other app reads divisions through here."""

from __future__ import annotations

from datetime import date

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
