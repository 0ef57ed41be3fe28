"""Who counts in a household (programmes.md §0) on a given day, and why a member does not.

A member is *recorded* while their membership stands on the day (``valid_from`` ≤ day <
``valid_to``, exclusive end, as for divisions; not closed as wrong). A recorded member is
*counted* unless they live apart for a reason the rules exclude — serving a prison sentence,
compulsory drug rehabilitation, clergy living apart three years or more, declared missing — or
are not alive that day (born later, died, missing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Case, Q, QuerySet, Value, When
from django.utils import timezone

from minzheng.registry import labels
from minzheng.registry.models import Household, Membership, Person


def standing_on_q(on: date, prefix: str = "") -> Q:
    """Memberships that stand on ``on``."""
    return (
        Q(**{f"{prefix}closed_at__isnull": True})
        & (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": on}))
        & (Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gt": on}))
    )


def alive_on_q(on: date, prefix: str = "person__") -> Q:
    """Persons alive on ``on``: born by then, not dead by then (or dead, date unknown), not missing."""
    return Q(**{f"{prefix}birth_date__lte": on}) & (
        Q(**{f"{prefix}death_date__isnull": True}, **{f"{prefix}life_status": "living"})
        | Q(**{f"{prefix}death_date__gt": on})
    )


def head_first() -> Case:
    """An ordering expression that puts the head's membership first."""
    return Case(When(relation="head", then=Value(0)), default=Value(1))


def recorded_members(household: Household, on: date | None = None) -> QuerySet[Membership]:
    """The memberships of ``household`` that stand on ``on`` (today by default), head first."""
    on = on or timezone.localdate()
    return (
        Membership.objects.filter(standing_on_q(on), household=household)
        .select_related("person")
        .order_by(head_first(), "person__birth_date", "id")
    )


def counted_members(household: Household, on: date | None = None) -> list[Membership]:
    """The members who count for means tests on ``on`` (today by default)."""
    on = on or timezone.localdate()
    return list(
        Membership.objects.filter(
            standing_on_q(on), alive_on_q(on), household=household, apart_reason=""
        )
        .select_related("person")
        .order_by(head_first(), "person__birth_date", "id")
    )


@dataclass(frozen=True)
class MemberStatus:
    """Whether a recorded member counts on a day, and if not, why (in Chinese)."""

    counted: bool
    reason: str = ""


def member_status(membership: Membership, on: date | None = None) -> MemberStatus:
    """Why ``membership``'s person counts or not on ``on`` (the same rules as ``counted_members``)."""
    on = on or timezone.localdate()
    person: Person = membership.person
    if membership.closed_at is not None:
        return MemberStatus(False, "记录已注销")
    if membership.valid_from is not None and membership.valid_from > on:
        return MemberStatus(False, "尚未加入")
    if membership.valid_to is not None and membership.valid_to <= on:
        return MemberStatus(False, "已迁出")
    if membership.apart_reason:
        return MemberStatus(False, labels.label(labels.APART_REASONS, membership.apart_reason))
    if person.birth_date > on:
        return MemberStatus(False, "尚未出生")
    if person.death_date is not None:
        return MemberStatus(False, "已故") if person.death_date <= on else MemberStatus(True)
    if person.life_status == "deceased":
        return MemberStatus(False, "已故")
    if person.life_status == "missing":
        return MemberStatus(False, "失踪")
    return MemberStatus(True)


def age_on(birth_date: date, on: date | None = None) -> int:
    """Full years of age on ``on`` (today by default)."""
    on = on or timezone.localdate()
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
