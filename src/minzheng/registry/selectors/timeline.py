"""The household timeline (一户一条救助链): every fact and event of a household, in date order.

The timeline is a list of entry providers. The registry registers its own (memberships, facts,
audit events); later apps add theirs — alerts, cases, payments — without the registry knowing
them, from their ``AppConfig.ready``::

    from minzheng.registry.selectors import timeline

    @timeline.register_provider("cases")
    def case_entries(household, members):
        for case in ...:
            yield timeline.TimelineEntry(when=case.accepted_on, category="case", title="受理申请", ...)

A provider receives the household and its ``TimelineMember`` list (every person ever a member,
with the period they belonged) and yields ``TimelineEntry`` items. ``household_timeline`` merges
all providers' entries and sorts them by time (oldest first).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Q
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
)
from minzheng.registry.selectors.providers import Providers
from minzheng.registry.selectors.sources import SourceInfo, fact_source


@dataclass(frozen=True)
class TimelineMember:
    """A person who belonged to the household, and when (``until`` exclusive, None = still)."""

    person_id: int
    name: str
    subject_key: str
    since: dt.date | None
    until: dt.date | None

    def covers(self, day: dt.date) -> bool:
        return (self.since is None or self.since <= day) and (
            self.until is None or day < self.until
        )


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the timeline."""

    when: dt.date | dt.datetime
    category: str  # a key of CATEGORIES (or a later app's own)
    title: str
    detail: str = ""
    person: str = ""
    source: SourceInfo | None = None
    url: str = ""

    @property
    def sort_key(self) -> dt.datetime:
        if isinstance(self.when, dt.datetime):
            return self.when if timezone.is_aware(self.when) else timezone.make_aware(self.when)
        return timezone.make_aware(dt.datetime.combine(self.when, dt.time.min))

    @property
    def is_datetime(self) -> bool:
        return isinstance(self.when, dt.datetime)


type Provider = Callable[[Household, list[TimelineMember]], Iterable[TimelineEntry]]

# category -> (Chinese label, bootstrap-icons name)
CATEGORIES: dict[str, tuple[str, str]] = {
    "membership": ("家庭成员", "people"),
    "income": ("收入", "cash-coin"),
    "asset": ("财产", "house"),
    "expenditure": ("刚性支出", "receipt"),
    "life_event": ("生活事件", "calendar-event"),
    "enrolment": ("救助享受", "shield-check"),
    "audit": ("操作记录", "journal-text"),
}

_PROVIDERS: Providers[Provider] = Providers()
# Register a timeline entry provider under a name (a later registration replaces it).
register_provider = _PROVIDERS.register
PROVIDERS: dict[str, Provider] = _PROVIDERS.by_name


def register_category(key: str, label: str, icon: str = "dot") -> None:
    """Name a category a later app's entries use (label and bootstrap-icons name)."""
    CATEGORIES[key] = (label, icon)


def timeline_members(household: Household) -> list[TimelineMember]:
    """Every person ever a member of ``household`` with the span they belonged."""
    spans: dict[int, TimelineMember] = {}
    for m in (
        Membership.objects.filter(household=household, closed_at__isnull=True)
        .select_related("person")
        .order_by("valid_from", "id")
    ):
        known = spans.get(m.person_id)
        since = m.valid_from
        until = m.valid_to
        if known is not None:
            since = None if known.since is None or since is None else min(known.since, since)
            until = None if known.until is None or until is None else max(known.until, until)
        spans[m.person_id] = TimelineMember(
            person_id=m.person_id,
            name=m.person.name,
            subject_key=m.person.id_number_hash,
            since=since,
            until=until,
        )
    return list(spans.values())


def household_timeline(*, household: Household) -> list[TimelineEntry]:
    """All providers' entries for ``household`` (fetched through scope by the caller), oldest first."""
    members = timeline_members(household)
    entries: list[TimelineEntry] = []
    for provider in PROVIDERS.values():
        entries.extend(provider(household, members))
    entries.sort(key=lambda e: e.sort_key)
    return entries


# --- the registry's own providers --------------------------------------------------------------


def _money(value: object) -> str:
    return f"{value:,.2f} 元" if value is not None else ""


@register_provider("memberships")
def membership_entries(
    household: Household, members: list[TimelineMember]
) -> Iterable[TimelineEntry]:
    for m in (
        Membership.objects.filter(household=household, closed_at__isnull=True)
        .select_related("person", "source_batch__feed", "entered_by")
        .order_by("id")
    ):
        relation = labels.label(labels.RELATIONS, m.relation)
        apart = (
            f"（{labels.label(labels.APART_REASONS, m.apart_reason)}，不计入）"
            if m.apart_reason
            else ""
        )
        yield TimelineEntry(
            when=m.valid_from or m.recorded_at,
            category="membership",
            title=f"{m.person.name}以“{relation}”身份记入家庭{apart}",
            person=m.person.name,
            source=fact_source(m),
        )
        if m.valid_to is not None:
            yield TimelineEntry(
                when=m.valid_to,
                category="membership",
                title=f"{m.person.name}的“{relation}”成员关系终止",
                person=m.person.name,
                source=fact_source(m),
            )


def _member_facts_q(members: list[TimelineMember], date_field: str) -> Q:
    """Facts of members dated within the span they belonged to the household."""
    q = Q(pk__in=[])
    for m in members:
        span = Q(person_id=m.person_id)
        if m.since is not None:
            span &= Q(**{f"{date_field}__gte": m.since})
        if m.until is not None:
            span &= Q(**{f"{date_field}__lt": m.until})
        q |= span
    return q


@register_provider("facts")
def fact_entries(household: Household, members: list[TimelineMember]) -> Iterable[TimelineEntry]:
    related = ("person", "source_batch__feed", "entered_by")
    for income in Income.objects.filter(
        _member_facts_q(members, "period_start") | Q(household=household), closed_at__isnull=True
    ).select_related(*related):
        yield TimelineEntry(
            when=income.period_start,
            category="income",
            title=f"{labels.label(labels.INCOME_KINDS, income.kind)} {_money(income.amount)}",
            detail=f"所属期 {income.period_start:%Y-%m-%d} 至 {income.period_end:%Y-%m-%d}",
            person=income.person.name,
            source=fact_source(income),
        )
    for asset in Asset.objects.filter(
        _member_facts_q(members, "as_of") | Q(household=household), closed_at__isnull=True
    ).select_related(*related):
        parts = [_money(asset.value)]
        if asset.floor_area is not None:
            parts.append(f"{asset.floor_area} ㎡")
        if asset.business_role:
            parts.append(labels.label(labels.BUSINESS_ROLES, asset.business_role))
        yield TimelineEntry(
            when=asset.as_of,
            category="asset",
            title=f"{labels.label(labels.ASSET_KINDS, asset.kind)} {asset.reference}".strip(),
            detail=" · ".join(p for p in parts if p),
            person=asset.person.name,
            source=fact_source(asset),
        )
    for spending in Expenditure.objects.filter(
        _member_facts_q(members, "date") | Q(household=household), closed_at__isnull=True
    ).select_related(*related):
        yield TimelineEntry(
            when=spending.date,
            category="expenditure",
            title=f"{labels.label(labels.EXPENDITURE_KINDS, spending.kind)} {_money(spending.amount)}",
            person=spending.person.name,
            source=fact_source(spending),
        )
    for event in LifeEvent.objects.filter(
        _member_facts_q(members, "date") | Q(household=household), closed_at__isnull=True
    ).select_related(*related):
        yield TimelineEntry(
            when=event.date,
            category="life_event",
            title=labels.label(labels.EVENT_KINDS, event.kind),
            detail=" · ".join(p for p in (event.detail, _money(event.amount)) if p),
            person=event.person.name,
            source=fact_source(event),
        )
    for enrolment in Enrolment.objects.filter(
        household=household, closed_at__isnull=True
    ).select_related(*related):
        programme = labels.label(labels.PROGRAMMES, enrolment.programme)
        who = enrolment.person.name if enrolment.person else ""
        yield TimelineEntry(
            when=enrolment.start_date,
            category="enrolment",
            title=f"开始享受{programme}",
            detail=f"每月 {_money(enrolment.monthly_amount)}"
            if enrolment.monthly_amount is not None
            else "",
            person=who,
            source=fact_source(enrolment),
        )
        if enrolment.end_date is not None:
            yield TimelineEntry(
                when=enrolment.end_date,
                category="enrolment",
                title=f"停止享受{programme}",
                person=who,
                source=fact_source(enrolment),
            )
