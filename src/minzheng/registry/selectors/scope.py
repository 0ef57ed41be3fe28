"""Which households and persons a user may reach; every registry read starts here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q, QuerySet

from minzheng.accounts.scope import restrict, scope_q
from minzheng.divisions import counters
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


def count_persons_by_path(prefixes: Sequence[str]) -> dict[str, int]:
    """People in a household today, at each village path under ``prefixes`` (division browser)."""
    return counters.count_by_path(
        Membership.objects.filter(current_memberships_q(), person__life_status="living"),
        "household__division__path",
        prefixes,
    )


def count_households_by_path(prefixes: Sequence[str]) -> dict[str, int]:
    """Open households at each village path under ``prefixes`` (division browser)."""
    return counters.count_by_path(
        Household.objects.filter(closed_at__isnull=True), "division__path", prefixes
    )
