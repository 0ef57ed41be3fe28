"""Which households and persons a user may reach; every registry read starts here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Count, Q, QuerySet

from minzheng.accounts.scope import restrict, scope_q
from minzheng.divisions.models import Division
from minzheng.registry.models import Household, Membership, Person

VIEW_ACTION = "household.view"
EDIT_ACTION = "household.edit"
PII_ACTION = "pii.view_full"


def households_visible(user: Any, action: str = VIEW_ACTION) -> QuerySet[Household]:
    """The households (open and closed) in ``user``'s scope under ``action``."""
    return restrict(Household.objects.all(), user, action)


def current_memberships_q(prefix: str = "") -> Q:
    """Memberships that stand today: not closed as wrong and not ended."""
    return Q(**{f"{prefix}closed_at__isnull": True, f"{prefix}valid_to__isnull": True})


def persons_visible(user: Any, action: str = VIEW_ACTION) -> QuerySet[Person]:
    """The persons ``user`` may reach: living in scope, or members of a household in scope."""
    by_residence = scope_q(Person, user, action)
    by_household = scope_q(Membership, user, action)
    if by_residence is None or by_household is None:
        return Person.objects.none()
    in_households = Membership.objects.filter(current_memberships_q(), by_household).values(
        "person_id"
    )
    return Person.objects.filter(by_residence | Q(pk__in=in_households))


def current_household(person: Person) -> Household | None:
    """The household ``person`` belongs to today, if any."""
    membership = (
        Membership.objects.filter(current_memberships_q(), person=person)
        .select_related("household__division")
        .first()
    )
    return membership.household if membership is not None else None


def person_division_code(person: Person) -> str:
    """The division a person's events are filed under: residence, else household, else hukou."""
    if person.residence_division_id is not None:
        return person.residence_division.code  # type: ignore[union-attr]
    household = current_household(person)
    if household is not None:
        return household.division.code
    return person.hukou_division.code if person.hukou_division is not None else ""


def _by_division_path(rows: Any, prefixes: Sequence[str]) -> dict[str, int]:
    """Turn ``(division_id, n)`` rows into ``{path: n}`` for the divisions under ``prefixes``."""
    if not prefixes:
        return {}
    under = Q()
    for prefix in prefixes:
        under |= Q(path__startswith=prefix)
    paths = dict(Division.objects.filter(under).values_list("id", "path"))
    counts: dict[str, int] = {}
    for division_id, n in rows:
        path = paths.get(division_id)
        if path is not None:
            counts[path] = counts.get(path, 0) + n
    return counts


def count_persons_by_path(prefixes: Sequence[str]) -> dict[str, int]:
    """Living persons at each residence division path under ``prefixes`` (division browser).

    Grouped by the division id on the person table alone (one scan, no join), then mapped to
    paths: the division tree is small, the person table is not.
    """
    rows = (
        Person.objects.filter(life_status="living", residence_division__isnull=False)
        .values_list("residence_division_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return _by_division_path(rows, prefixes)


def count_households_by_path(prefixes: Sequence[str]) -> dict[str, int]:
    """Open households at each village path under ``prefixes`` (division browser)."""
    rows = (
        Household.objects.filter(closed_at__isnull=True)
        .values_list("division_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return _by_division_path(rows, prefixes)


def divisions_in_scope(
    user: Any, action: str = VIEW_ACTION, *, level: str = "", q: str = "", limit: int | None = None
) -> QuerySet[Division]:
    """Today's divisions ``user`` holds ``action`` over (optionally one level; ``q``: code prefix
    or part of the name), in tree order — for the search filter and the registration form."""
    found = restrict(Division.objects.filter(valid_to__isnull=True), user, action)
    if level:
        found = found.filter(level=level)
    q = q.strip()
    if q:
        found = found.filter(code__startswith=q) if q.isdigit() else found.filter(name__contains=q)
    found = found.select_related("parent").order_by("path")
    return found[:limit] if limit else found


def division_in_scope(user: Any, code: str, action: str = VIEW_ACTION) -> Division | None:
    """The current division ``code`` if ``user`` holds ``action`` over it, else None."""
    return divisions_in_scope(user, action).filter(code=code.strip()).first()
