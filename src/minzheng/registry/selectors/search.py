"""Household search: by name, ID number (full, masked or last four), household number, address,
division subtree, area type and programme — fast on a million persons.

Every branch is an indexed look-up: a full ID number through the keyed hash (unique index), the
last four characters through the generated ``id_number_last4`` column, a masked number by
equality, names and household numbers by prefix as index range scans (``>= q`` and ``< q + U+FFFF``,
which both SQLite and PostgreSQL answer from a B-tree), and the division subtree through the
division table's paths. Only the address is a substring scan, over households in scope.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Concat
from django.utils import timezone

from minzheng.accounts.scope import can_city_wide
from minzheng.divisions.models import Division
from minzheng.registry import idnumbers, labels, pii
from minzheng.registry.models import Enrolment, Household, Membership, Person
from minzheng.registry.selectors.counting import member_status, standing_on_q
from minzheng.registry.selectors.scope import VIEW_ACTION, current_memberships_q, households_visible

_LAST4 = re.compile(r"^[0-9]{3}[0-9X]$")
_MASKED = re.compile(r"^[0-9]{6}\*{8}[0-9]{3}[0-9X]$")
_DIGITS = re.compile(r"^[0-9]{5,24}$")
_TOP = "\uffff"


@dataclass(frozen=True)
class SearchTerms:
    """How a typed query was read: which look-up it becomes."""

    kind: str  # "", "id", "hash", "masked", "last4", "number", "text"
    value: str

    @property
    def description(self) -> str:
        return {
            "id": "完整身份证号码",
            "hash": "完整身份证号码",
            "masked": "脱敏身份证号码",
            "last4": "身份证号码后四位",
            "number": "家庭编号",
            "text": "姓名或住址",
        }.get(self.kind, "")


def read_query(q: str) -> SearchTerms:
    """Classify what the user typed (full-width characters and spaces are tolerated)."""
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", q or "")).upper()
    if not text:
        return SearchTerms("", "")
    if len(text) in (15, 18):
        try:
            return SearchTerms("id", idnumbers.parse(text).value)
        except idnumbers.InvalidIdNumber:
            pass
    if _MASKED.match(text):
        return SearchTerms("masked", text)
    if _LAST4.match(text):
        return SearchTerms("last4", text)
    if _DIGITS.match(text):
        return SearchTerms("number", text)
    return SearchTerms("text", (q or "").strip())


def _prefix_q(field_name: str, prefix: str) -> Q:
    return Q(**{f"{field_name}__gte": prefix, f"{field_name}__lt": prefix + _TOP})


def _households_of(persons: QuerySet[Person]) -> QuerySet[Membership, Any]:
    return Membership.objects.filter(current_memberships_q(), person__in=persons).values(
        "household_id"
    )


def terms_q(terms: SearchTerms) -> Q:
    """The household filter for ``terms``."""
    if terms.kind == "id":
        persons = Person.objects.filter(id_number_hash=pii.lookup_hash(terms.value))
        return Q(pk__in=_households_of(persons))
    if terms.kind == "hash":
        return Q(pk__in=_households_of(Person.objects.filter(id_number_hash=terms.value)))
    if terms.kind == "masked":
        # Found through the last four characters' index (the masked number has none: an
        # index written for every imported person for this one search).
        persons = Person.objects.filter(
            id_number_last4=terms.value[-4:], id_number_masked=terms.value
        )
        return Q(pk__in=_households_of(persons))
    if terms.kind == "last4":
        return Q(pk__in=_households_of(Person.objects.filter(id_number_last4=terms.value)))
    if terms.kind == "number":
        return _prefix_q("number", terms.value)
    if terms.kind == "text":
        by_name = Q(pk__in=_households_of(Person.objects.filter(_prefix_q("name", terms.value))))
        return by_name | Q(address__contains=terms.value) | Q(number=terms.value)
    return Q()


def household_search(
    *,
    user: Any,
    q: str = "",
    id_hash: str = "",
    division: Division | None = None,
    area_type: str = "",
    programme: str = "",
    include_closed: bool = False,
    action: str = VIEW_ACTION,
) -> QuerySet[Household]:
    """The households in ``user``'s scope that match, ordered by household number.

    ``q`` is read by ``read_query``: a full valid ID number (found through its keyed hash), a
    masked number, the last four characters, a household number (prefix), or a name (prefix)
    / address (substring). ``division`` selects its subtree; ``area_type`` the effective urban or
    rural type; ``id_hash`` (a person's keyed hash, instead of ``q``) the household of that
    person; ``programme`` households with a standing enrolment in it. Closed (merged)
    households are left out unless ``include_closed``. Paginate the result.
    """
    qs = households_visible(user, action)
    if not include_closed:
        qs = qs.filter(closed_at__isnull=True)
    if division is not None:
        qs = qs.filter(division__path__startswith=division.path)
    if area_type:
        qs = qs.filter(Q(area_type=area_type) | Q(area_type="", division__area_type=area_type))
    if programme:
        today = timezone.localdate()
        enrolled = Enrolment.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=today),
            closed_at__isnull=True,
            programme=programme,
        ).values("household_id")
        qs = qs.filter(pk__in=enrolled)
    terms = SearchTerms("hash", id_hash) if id_hash else read_query(q)
    if terms.kind:
        qs = qs.filter(terms_q(terms))
    narrow = (division is not None and division.level != "city") or not can_city_wide(user, action)
    if terms.kind == "text" and narrow:
        # Within a county or less, a text search matches few rows: sort them, rather than let
        # SQLite walk the whole number index looking for matches in scope (the expression
        # keeps it off that index; the order is the same).
        order: Any = Concat(F("number"), Value(""))
    else:
        order = "number"
    return qs.select_related("division__parent", "head").order_by(order)


@dataclass
class HouseholdRow:
    """One line of the results table."""

    household: Household
    head_name: str
    head_id_masked: str
    village: str
    township: str
    members_recorded: int = 0
    members_counted: int = 0
    programmes: list[str] = field(default_factory=list)


def household_rows(households: list[Household], on: date | None = None) -> list[HouseholdRow]:
    """Rows for a page of households: head, places, member counts and programmes (3 queries)."""
    on = on or timezone.localdate()
    rows = {
        h.pk: HouseholdRow(
            household=h,
            head_name=h.head.name if h.head else "",
            head_id_masked=h.head.id_number_masked if h.head else "",
            village=h.division.name,
            township=h.division.parent.name if h.division.parent else "",
        )
        for h in households
    }
    memberships = Membership.objects.filter(
        standing_on_q(on), household_id__in=rows
    ).select_related("person")
    for membership in memberships:
        row = rows[membership.household_id]
        row.members_recorded += 1
        if member_status(membership, on).counted:
            row.members_counted += 1
    enrolments = (
        Enrolment.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=on),
            closed_at__isnull=True,
            household_id__in=rows,
        )
        .values_list("household_id", "programme")
        .distinct()
    )
    for household_id, programme in enrolments:
        label = labels.label(labels.PROGRAMMES, programme)
        if label not in rows[household_id].programmes:
            rows[household_id].programmes.append(label)
    return [rows[h.pk] for h in households]
