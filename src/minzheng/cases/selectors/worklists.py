"""Worklists per role: the township's tasks by deadline, the county's decisions and overdue
townships, the city's overdue counts by county, and a partner's referrals waiting."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.db.models.functions import Substr

from minzheng.cases.models import Case, CaseDeadline, Referral
from minzheng.cases.selectors.scope import (
    DECIDE,
    VIEW,
    WORK,
    cases_visible,
    referrals_of_cases,
    referrals_to_answer,
)
from minzheng.divisions import selectors as division_selectors
from minzheng.divisions.models import Division

S = Case.Status
TOWNSHIP_STATUSES = (
    S.REGISTERED,
    S.AWAITING_DOCUMENTS,
    S.ACCEPTED,
    S.CHECKING,
    S.VISITING,
    S.TOWNSHIP_REVIEW,
    S.PUBLIC_NOTICE,
    S.FOLLOW_UP,
)
COUNTY_STATUSES = (S.COUNTY_DECISION, S.REFUSED)
WORKLIST_LIMIT = 200


def _with_deadlines(cases: QuerySet[Case], today: dt.date) -> QuerySet[Case]:
    open_q = Q(deadlines__met_on__isnull=True)
    return cases.annotate(
        next_due=Min("deadlines__due_on", filter=open_q),
        overdue=Count("deadlines", filter=open_q & Q(deadlines__due_on__lt=today)),
    ).order_by("next_due", "opened_at")


def _by_next_due(case: Any) -> tuple[bool, dt.date, dt.datetime]:
    due = getattr(case, "next_due", None)
    return (due is None, due or dt.date.max, case.opened_at)


def township_tasks(user: Any, today: dt.date) -> list[Case]:
    """Cases at the township's steps in ``user``'s scope, the nearest deadline first."""
    cases = cases_visible(user, WORK).filter(status__in=TOWNSHIP_STATUSES)
    rows = list(_with_deadlines(cases, today)[:WORKLIST_LIMIT])
    rows.sort(key=_by_next_due)
    return rows


def county_decisions(user: Any, today: dt.date) -> list[Case]:
    """Decisions and refusal notices due in ``user``'s scope, the nearest deadline first."""
    cases = cases_visible(user, DECIDE).filter(status__in=COUNTY_STATUSES)
    rows = list(_with_deadlines(cases, today)[:WORKLIST_LIMIT])
    rows.sort(key=_by_next_due)
    return rows


@dataclass(frozen=True)
class OverdueRow:
    """Overdue deadlines and referrals under one division (a township or a county)."""

    code: str
    name: str
    deadlines: int
    referrals: int

    @property
    def total(self) -> int:
        return self.deadlines + self.referrals


def _overdue_by(user: Any, action: str, today: dt.date, digits: int) -> list[OverdueRow]:
    cases = cases_visible(user, action).values("pk")
    deadlines = (
        CaseDeadline.objects.filter(case__in=cases, met_on__isnull=True, due_on__lt=today)
        .annotate(unit=Substr("case__division__code", 1, digits))
        .values("unit")
        .annotate(n=Count("id"))
        .order_by()
    )
    referrals = (
        referrals_of_cases(user, action)
        .filter(status__in=Referral.OPEN_STATUSES, due_on__lt=today)
        .annotate(unit=Substr("case__division__code", 1, digits))
        .values("unit")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_deadline = {r["unit"]: r["n"] for r in deadlines}
    by_referral = {r["unit"]: r["n"] for r in referrals}
    codes = sorted(set(by_deadline) | set(by_referral))
    names = dict(Division.objects.filter(code__in=codes).values_list("code", "name"))
    if digits == 6:
        names.update({c: n for c, n in division_selectors.county_names().items() if c in codes})
    rows = [
        OverdueRow(c, names.get(c, c), by_deadline.get(c, 0), by_referral.get(c, 0)) for c in codes
    ]
    return sorted(rows, key=lambda r: (-r.total, r.code))


def overdue_townships(user: Any, today: dt.date) -> list[OverdueRow]:
    """Overdue deadlines and referrals per township in ``user``'s scope (the county's view)."""
    return _overdue_by(user, VIEW, today, 9)


def overdue_counties(user: Any, today: dt.date) -> list[OverdueRow]:
    """Overdue deadlines and referrals per county in ``user``'s scope (the city's view)."""
    return _overdue_by(user, VIEW, today, 6)


def escalated_cases(user: Any, today: dt.date) -> list[Case]:
    """Cases with an overdue deadline in ``user``'s scope, the longest overdue first."""
    cases = cases_visible(user, VIEW).filter(
        deadlines__met_on__isnull=True, deadlines__due_on__lt=today
    )
    return list(_with_deadlines(cases.distinct(), today)[:WORKLIST_LIMIT])


def referrals_waiting(user: Any) -> list[Referral]:
    """Open referrals addressed to ``user``'s unit, the nearest deadline first."""
    return list(
        referrals_to_answer(user)
        .filter(status__in=Referral.OPEN_STATUSES)
        .order_by("due_on", "sent_at")[:WORKLIST_LIMIT]
    )


def referrals_overdue_sent(user: Any, today: dt.date) -> list[Referral]:
    """Referrals sent from ``user``'s cases that are past their deadline without an outcome."""
    return list(
        referrals_of_cases(user, VIEW)
        .filter(status__in=Referral.OPEN_STATUSES, due_on__lt=today)
        .order_by("due_on")[:WORKLIST_LIMIT]
    )
