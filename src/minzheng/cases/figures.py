"""Loop figures (闭环指标): how alerts become cases and aid, per county and per township.

Everything is read through the reader's scope under ``case.view``: alerts through
``monitoring.selectors.alerts_visible``, cases, deadlines, referrals and payments through this
app's scoped selectors. A county or township row counts what lies under its code.

- **funnel**: alerts raised → alerts turned into a case → those cases approved (予以救助) →
  those cases paid (a payment generated);
- **cases**: every case opened (any origin), approved, paid;
- **median working days from discovery to first payment**: per paid case, from the earliest of
  the raising of an alert that joined the case, its acceptance and its opening, to the day its
  first payment was generated (the approval creates the first month's payment), counted in
  working days on the Chinese holiday calendar;
- **overdue**: alerts open past their verification deadline, case deadlines (means test start,
  decision, refusal notice, whole procedure) open past their due date, referrals without an
  outcome past their deadline;
- **referral outcomes**: done, declined, withdrawn, and the open ones within or past deadline.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils import timezone

from minzheng.cases.models import Case, CaseDeadline, Referral
from minzheng.cases.selectors.scope import VIEW, cases_visible, payments_visible, referrals_of_cases
from minzheng.divisions import selectors as division_selectors
from minzheng.divisions.models import Division
from minzheng.monitoring import selectors as monitoring_selectors
from minzheng.monitoring.models import Alert
from minzheng.web import workdays

COUNTY_DIGITS = 6
TOWNSHIP_DIGITS = 9
TOWNSHIP_ROWS = 60  # the busiest townships shown when no county is chosen
APPROVED_STATUSES = (Case.Status.IN_PAYMENT, Case.Status.FOLLOW_UP, Case.Status.EXITING)
REFERRAL_OUTCOMES = ("done", "declined", "withdrawn", "open", "overdue")


@dataclass
class FigureRow:
    """The loop figures of one county or township (or the total of the reader's scope)."""

    code: str
    name: str
    alerts: int = 0
    alerts_to_cases: int = 0
    funnel_approved: int = 0
    funnel_paid: int = 0
    cases: int = 0
    approved: int = 0
    paid: int = 0
    days: list[int] = field(default_factory=list)
    overdue_alerts: int = 0
    overdue_steps: int = 0
    overdue_referrals: int = 0
    referrals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REFERRAL_OUTCOMES, 0))

    @property
    def median_days(self) -> float | None:
        return statistics.median(self.days) if self.days else None

    @property
    def overdue_total(self) -> int:
        return self.overdue_alerts + self.overdue_steps + self.overdue_referrals

    @property
    def referrals_total(self) -> int:
        return sum(self.referrals.values())

    @property
    def is_empty(self) -> bool:
        return not (self.alerts or self.cases or self.referrals_total)


@dataclass
class LoopFigures:
    """The figures of the reader's scope: the total, one row per county, one per township."""

    today: dt.date
    total: FigureRow
    counties: list[FigureRow]
    townships: list[FigureRow]
    county: str  # the county whose townships are listed ("" : the busiest of the scope)

    def chart(self) -> dict[str, Any]:
        """The data the page's ECharts read (JSON-ready)."""
        rows = self.townships if self.county else self.counties
        return {
            "funnel": [
                self.total.alerts,
                self.total.alerts_to_cases,
                self.total.funnel_approved,
                self.total.funnel_paid,
            ],
            "units": [r.name for r in rows],
            "alerts": [r.alerts for r in rows],
            "cases": [r.cases for r in rows],
            "paid": [r.paid for r in rows],
            "median": [r.median_days for r in rows],
            "overdue_alerts": [r.overdue_alerts for r in rows],
            "overdue_steps": [r.overdue_steps for r in rows],
            "overdue_referrals": [r.overdue_referrals for r in rows],
            "referrals": [self.total.referrals[k] for k in REFERRAL_OUTCOMES],
        }


class _Rows:
    """Rows keyed by unit code (the first ``digits`` of a division code), plus the total."""

    def __init__(self, digits: int, only: str = "") -> None:
        self.digits = digits
        self.only = only
        self.rows: dict[str, FigureRow] = {}

    def row(self, code: str) -> FigureRow | None:
        unit = code[: self.digits]
        if self.only and not unit.startswith(self.only):
            return None
        if unit not in self.rows:
            self.rows[unit] = FigureRow(code=unit, name=unit)
        return self.rows[unit]


def _unit(field_name: str, digits: int) -> Substr:
    return Substr(field_name, 1, digits)


def loop_figures(*, user: Any, today: dt.date | None = None, county: str = "") -> LoopFigures:
    """The loop figures of ``user``'s scope (``case.view``) as of ``today``.

    ``county`` (a 6-digit code) lists that county's townships; without it the busiest
    townships of the whole scope are listed.
    """
    day = today or timezone.localdate()
    county = county if len(county) == COUNTY_DIGITS and county.isdigit() else ""
    total = FigureRow(code="", name="")
    tables = (_Rows(COUNTY_DIGITS), _Rows(TOWNSHIP_DIGITS, only=county))

    def rows_for(code: str) -> list[FigureRow]:
        found = [total]
        for table in tables:
            row = table.row(code)
            if row is not None:
                found.append(row)
        return found

    def add(counts: Any, attribute: str) -> None:
        for entry in counts:
            for row in rows_for(entry["code"]):
                setattr(row, attribute, getattr(row, attribute) + entry["n"])

    # Alerts (monitoring's, in scope under case.view).
    alerts = monitoring_selectors.alerts_visible(user, VIEW)
    by_village = alerts.values(code=_unit("division__code", 12)).order_by()
    add(by_village.annotate(n=Count("id")), "alerts")
    add(by_village.filter(case_id__isnull=False).annotate(n=Count("id")), "alerts_to_cases")
    add(
        by_village.filter(status__in=Alert.OPEN_STATUSES, deadline__lt=day).annotate(n=Count("id")),
        "overdue_alerts",
    )

    # Cases, and the alerts that joined them (for the funnel and the discovery day).
    cases = cases_visible(user, VIEW)
    raised: dict[int, dt.date] = {}
    for case_id, raised_on in alerts.filter(case_id__isnull=False).values_list(
        "case_id", "raised_on"
    ):
        if case_id is None:
            continue
        if case_id not in raised or raised_on < raised[case_id]:
            raised[case_id] = raised_on
    paid_cases = set(
        payments_visible(user, VIEW).values_list("case_id", flat=True).order_by().distinct()
    )
    rows = cases.values_list(
        "pk", "division__code", "decision", "accepted_on", "opened_at", "decided_on"
    ).order_by()
    for pk, code, decision, accepted_on, opened_at, decided_on in rows:
        approved = decision == Case.Decision.APPROVED
        paid = pk in paid_cases
        from_alert = pk in raised
        days = None
        if paid and decided_on is not None:
            starts = [timezone.localtime(opened_at).date()]
            starts += [d for d in (accepted_on, raised.get(pk)) if d is not None]
            days = workdays.workdays_between(min(starts), decided_on)
        for row in rows_for(code):
            row.cases += 1
            row.approved += approved
            row.paid += paid
            row.funnel_approved += from_alert and approved
            row.funnel_paid += from_alert and paid
            if days is not None:
                row.days.append(days)

    # Overdue case deadlines and referrals; referral outcomes.
    add(
        CaseDeadline.objects.filter(
            case__in=cases.values("pk"), met_on__isnull=True, due_on__lt=day
        )
        .values(code=_unit("case__division__code", 12))
        .order_by()
        .annotate(n=Count("id")),
        "overdue_steps",
    )
    referrals = referrals_of_cases(user, VIEW).values(code=_unit("case__division__code", 12))
    open_q = Q(status__in=Referral.OPEN_STATUSES)
    for entry in referrals.order_by().annotate(
        done=Count("id", filter=Q(status=Referral.Status.DONE)),
        declined=Count("id", filter=Q(status=Referral.Status.DECLINED)),
        withdrawn=Count("id", filter=Q(status=Referral.Status.WITHDRAWN)),
        open=Count("id", filter=open_q & Q(due_on__gte=day)),
        overdue=Count("id", filter=open_q & Q(due_on__lt=day)),
    ):
        counts: dict[str, Any] = dict(entry)
        for row in rows_for(entry["code"]):
            for outcome in REFERRAL_OUTCOMES:
                row.referrals[outcome] += counts[outcome]
            row.overdue_referrals += entry["overdue"]

    counties = sorted(tables[0].rows.values(), key=lambda r: r.code)
    townships = sorted(
        (r for r in tables[1].rows.values() if not r.is_empty),
        key=lambda r: (-r.alerts, -r.cases, r.code),
    )
    if not county:
        townships = townships[:TOWNSHIP_ROWS]
    _name(counties + townships)
    return LoopFigures(
        today=day, total=total, counties=counties, townships=townships, county=county
    )


def _name(rows: list[FigureRow]) -> None:
    codes = [r.code for r in rows]
    names = dict(Division.objects.filter(code__in=codes).values_list("code", "name"))
    names.update({c: n for c, n in division_selectors.county_names().items() if c in codes})
    for row in rows:
        row.name = names.get(row.code, row.code)


__all__ = ["REFERRAL_OUTCOMES", "FigureRow", "LoopFigures", "loop_figures"]
