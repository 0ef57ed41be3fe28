"""The household page and the person page: members, standing facts with their sources, enrolments."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from minzheng.registry import labels
from minzheng.registry.models import (
    Asset,
    Enrolment,
    Expenditure,
    Household,
    Income,
    LifeEvent,
    Membership,
    Person,
)
from minzheng.registry.selectors.counting import (
    MemberStatus,
    age_on,
    head_first,
    member_status,
    recorded_members,
)
from minzheng.registry.selectors.scope import current_memberships_q
from minzheng.registry.selectors.sources import SourceInfo, entry_source, fact_source

# Income kinds that count as income (programmes.md §0); the others are shown as not counted.
NOT_COUNTED_INCOME = frozenset(
    {
        "basic_pension",
        "special_care",
        "family_planning_reward",
        "scholarship",
        "bravery_award",
        "assistance_payment",
    }
)


@dataclass
class MemberRow:
    """A member line on the household page."""

    membership: Membership
    person: Person
    relation: str
    status: MemberStatus
    age: int
    disability: str
    work_capacity: str
    source: SourceInfo


@dataclass
class FactRow:
    """A fact line with the words for its kind and its source."""

    fact: Any
    kind_label: str
    person: Person | None
    source: SourceInfo
    note: str = ""


@dataclass
class HouseholdDetail:
    """Everything the household page shows (except the timeline, which loads on its tab)."""

    household: Household
    on: date
    members: list[MemberRow]
    past_members: list[MemberRow]
    incomes: list[FactRow]
    assets: list[FactRow]
    expenditures: list[FactRow]
    life_events: list[FactRow]
    enrolments: list[FactRow]
    merged_from: list[Household] = field(default_factory=list)

    @property
    def counted_count(self) -> int:
        return sum(1 for m in self.members if m.status.counted)

    @property
    def area_type(self) -> str:
        value = self.household.area_type or self.household.division.area_type
        return labels.label(labels.AREA_TYPES, value)


def disability_text(person: Person) -> str:
    """ "肢体残疾二级", or "" when none."""
    if person.disability_grade is None and not person.disability_kind:
        return ""
    kind = labels.label(labels.DISABILITY_KINDS, person.disability_kind) or "残疾"
    grade = labels.DISABILITY_GRADES.get(person.disability_grade or 0, "")
    return f"{kind}{grade}"


def _member_row(membership: Membership, on: date) -> MemberRow:
    person = membership.person
    return MemberRow(
        membership=membership,
        person=person,
        relation=labels.label(labels.RELATIONS, membership.relation),
        status=member_status(membership, on),
        age=age_on(person.birth_date, on),
        disability=disability_text(person),
        work_capacity=labels.label(labels.WORK_CAPACITIES, person.work_capacity),
        source=fact_source(membership),
    )


def _with_sources(qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.select_related("source_batch__feed", "entered_by", "person")


def _rows(qs: QuerySet[Any], names: dict[str, Any], kind_field: str = "kind") -> list[FactRow]:
    rows = []
    for fact in qs:
        value = getattr(fact, kind_field)
        note = (
            "不计入收入"
            if kind_field == "kind" and value in NOT_COUNTED_INCOME and isinstance(fact, Income)
            else ""
        )
        rows.append(
            FactRow(
                fact=fact,
                kind_label=labels.label(names, value),
                person=getattr(fact, "person", None),
                source=fact_source(fact),
                note=note,
            )
        )
    return rows


def facts_of_persons(
    person_ids: list[int], household: Household | None = None
) -> dict[str, list[FactRow]]:
    """The standing incomes, assets, expenditures and life events of these persons."""
    who = Q(person_id__in=person_ids)
    if household is not None:
        who |= Q(household=household, person__isnull=True)
    standing = Q(closed_at__isnull=True) & who
    return {
        "incomes": _rows(
            _with_sources(Income.objects.filter(standing)).order_by("-period_start", "person_id"),
            labels.INCOME_KINDS,
        ),
        "assets": _rows(
            _with_sources(Asset.objects.filter(standing)).order_by("kind", "person_id", "-as_of"),
            labels.ASSET_KINDS,
        ),
        "expenditures": _rows(
            _with_sources(Expenditure.objects.filter(standing)).order_by("-date", "person_id"),
            labels.EXPENDITURE_KINDS,
        ),
        "life_events": _rows(
            _with_sources(LifeEvent.objects.filter(standing)).order_by("-date", "person_id"),
            labels.EVENT_KINDS,
        ),
    }


def household_detail(*, household: Household, on: date | None = None) -> HouseholdDetail:
    """The household page's content for a household already fetched through scope."""
    on = on or timezone.localdate()
    standing = recorded_members(household, on).select_related("source_batch__feed", "entered_by")
    members = [_member_row(m, on) for m in standing]
    current_ids = {m.person.pk for m in members}
    past = [
        _member_row(m, on)
        for m in Membership.objects.filter(household=household)
        .exclude(pk__in=[m.membership.pk for m in members])
        .select_related("person", "source_batch__feed", "entered_by")
        .order_by("-valid_to", "id")
        if m.person_id not in current_ids
    ]
    facts = facts_of_persons(sorted(current_ids), household)
    enrolments = _rows(
        _with_sources(
            Enrolment.objects.filter(household=household, closed_at__isnull=True)
        ).order_by("-start_date"),
        labels.PROGRAMMES,
        kind_field="programme",
    )
    return HouseholdDetail(
        household=household,
        on=on,
        members=members,
        past_members=past,
        enrolments=enrolments,
        # Unordered in SQL: superseded_by is almost always NULL, and an ORDER BY would lead
        # SQLite to walk the number index instead of the superseded_by one.
        merged_from=sorted(household.merged_from.order_by(), key=lambda h: h.number),
        **facts,
    )


@dataclass
class AttributeRow:
    """One attribute of a person with its display value and source."""

    name: str
    label: str
    value: str
    source: SourceInfo


@dataclass
class PersonDetail:
    """Everything the person page shows."""

    person: Person
    age: int
    attributes: list[AttributeRow]
    household: Household | None
    memberships: list[MemberRow]
    facts: dict[str, list[FactRow]]
    enrolments: list[FactRow]


def _display(person: Person, name: str) -> str:
    value = getattr(person, name)
    if name == "sex":
        return labels.label(labels.SEXES, value)
    if name == "life_status":
        return labels.label(labels.LIFE_STATUSES, value)
    if name in ("birth_date", "death_date"):
        return f"{value:%Y-%m-%d}" if value else ""
    if name in ("hukou_division", "residence_division"):
        return division_text(value)
    if name == "disability_grade":
        return str(labels.DISABILITY_GRADES.get(value, "")) if value else "无"
    if name == "disability_kind":
        return labels.label(labels.DISABILITY_KINDS, value) or "无"
    if name == "self_care_items_lost":
        return f"{value} 项"
    if name == "work_capacity":
        return labels.label(labels.WORK_CAPACITIES, value)
    if name == "school_status":
        return labels.label(labels.SCHOOL_STATUSES, value)
    if name == "employment_status":
        return labels.label(labels.EMPLOYMENT_STATUSES, value)
    if name in ("major_illness", "lacks_civil_capacity"):
        return "是" if value else "否"
    return str(value or "")


def division_text(division: Any) -> str:
    """ "XX区 · XX街道 · XX社区" for a village (as much of the chain as exists)."""
    if division is None:
        return ""
    names = []
    node = division
    while node is not None and node.level != "city":
        names.append(node.name)
        node = node.parent
    return " · ".join(reversed(names))


PERSON_PAGE_FIELDS = (
    "id_number",
    "name",
    "sex",
    "birth_date",
    "life_status",
    "death_date",
    "hukou_division",
    "residence_division",
    "disability_kind",
    "disability_grade",
    "self_care_items_lost",
    "work_capacity",
    "school_status",
    "employment_status",
    "industry",
    "major_illness",
    "lacks_civil_capacity",
)


def person_detail(*, person: Person, on: date | None = None) -> PersonDetail:
    """The person page's content for a person already fetched through scope (ID masked)."""
    on = on or timezone.localdate()
    attributes = []
    for name in PERSON_PAGE_FIELDS:
        if name == "id_number":
            label, value = "身份证号码", person.id_number_masked
        else:
            label = str(getattr(Person._meta.get_field(name), "verbose_name", name))
            value = _display(person, name)
        if name == "death_date" and not person.death_date:
            continue
        attributes.append(
            AttributeRow(
                name=name,
                label=label,
                value=value,
                source=entry_source(person.field_source(name)),
            )
        )
    memberships = [
        _member_row(m, on)
        for m in Membership.objects.filter(person=person)
        .select_related("household__division", "person", "source_batch__feed", "entered_by")
        .order_by(head_first(), "-valid_from", "-id")
    ]
    current = next(
        (
            m.membership.household
            for m in memberships
            if m.membership.closed_at is None and m.membership.valid_to is None
        ),
        None,
    )
    enrolments = _rows(
        _with_sources(Enrolment.objects.filter(person=person, closed_at__isnull=True)).order_by(
            "-start_date"
        ),
        labels.PROGRAMMES,
        kind_field="programme",
    )
    return PersonDetail(
        person=person,
        age=age_on(person.birth_date, on),
        attributes=attributes,
        household=current,
        memberships=memberships,
        facts=facts_of_persons([person.pk]),
        enrolments=enrolments,
    )


def current_membership_of(person: Person) -> Membership | None:
    """The membership that places ``person`` in a household today."""
    return (
        Membership.objects.filter(current_memberships_q(), person=person)
        .select_related("household")
        .first()
    )


def household_facts(household: Household, kind: str) -> QuerySet[Any]:
    """The standing facts of ``kind`` shown on ``household``'s page (to act on one of them)."""
    models_by_kind: dict[str, Any] = {
        "income": Income,
        "asset": Asset,
        "expenditure": Expenditure,
        "life_event": LifeEvent,
        "enrolment": Enrolment,
    }
    model = models_by_kind[kind]
    if kind == "enrolment":
        return model.objects.filter(household=household, closed_at__isnull=True)
    members = recorded_members(household).values("person_id")
    return model.objects.filter(
        Q(household=household) | Q(person_id__in=members), closed_at__isnull=True
    )
