"""The case page: header figures, deadlines with working days left, what the user may do next,
and one timeline of events, documents, referrals and payments."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from minzheng.accounts.scope import can_at
from minzheng.cases import workflow
from minzheng.cases.assessment import CASE_PROGRAMMES
from minzheng.cases.models import Case, CaseDeadline, CaseDocument, Referral, WorkflowSettings
from minzheng.engine.programmes import BY_NAME
from minzheng.web import workdays


@dataclass(frozen=True)
class DeadlineRow:
    """One deadline as the page shows it."""

    deadline: CaseDeadline
    label: str
    left: int  # working days left (negative: overdue by)
    state: str  # met / overdue / due_soon / running

    @property
    def overdue_by(self) -> int:
        return -self.left


def deadline_state(deadline: CaseDeadline, today: dt.date, lead: int) -> tuple[int, str]:
    """(working days left, state) of ``deadline`` on ``today``; ``lead`` days count as due soon."""
    if deadline.met_on is not None:
        late = workdays.workdays_left(deadline.met_on, deadline.due_on)
        return late, "met"
    left = workdays.workdays_left(today, deadline.due_on)
    if today > deadline.due_on:
        return left, "overdue"
    if left <= lead:
        return left, "due_soon"
    return left, "running"


def deadline_rows(case: Case, today: dt.date | None = None) -> list[DeadlineRow]:
    """The case's deadlines, open ones first by due date."""
    day = today or timezone.localdate()
    lead = WorkflowSettings.current().reminder_working_days
    labels = dict(CaseDeadline.Kind.choices)
    rows = []
    for deadline in case.deadlines.order_by("met_on", "due_on"):
        left, state = deadline_state(deadline, day, lead)
        rows.append(DeadlineRow(deadline, str(labels[deadline.kind]), left, state))
    rows.sort(key=lambda r: (r.state == "met", r.deadline.due_on))
    return rows


@dataclass(frozen=True)
class TimelineItem:
    """One line of the case's own timeline."""

    when: dt.datetime
    kind: str  # event / document / referral / payment
    icon: str
    title: str
    detail: str = ""
    who: str = ""


def _aware(day: dt.date | dt.datetime) -> dt.datetime:
    if isinstance(day, dt.datetime):
        return day if timezone.is_aware(day) else timezone.make_aware(day)
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _name(user: Any) -> str:
    if user is None:
        return "系统"
    return getattr(user, "full_name", "") or getattr(user, "username", "")


def transition_label(name: str) -> str:
    if name == "open":
        return "登记"
    t = workflow.TRANSITIONS.get(name)
    return str(t.label) if t is not None else name


def case_timeline(case: Case) -> list[TimelineItem]:
    """Every event, document, referral step and payment of ``case``, oldest first."""
    statuses = dict(Case.Status.choices)
    items: list[TimelineItem] = []
    for e in case.events.select_related("by"):
        arrow = f"{statuses.get(e.from_status, '—')} → {statuses.get(e.to_status, e.to_status)}"
        items.append(
            TimelineItem(
                _aware(e.at),
                "event",
                "signpost",
                transition_label(e.transition),
                f"{arrow}{'；' + e.reason if e.reason else ''}",
                _name(e.by),
            )
        )
    for d in case.documents.select_related("uploaded_by"):
        withdrawn = "（已作废）" if d.closed_at else ""
        items.append(
            TimelineItem(
                _aware(d.uploaded_at),
                "document",
                "paperclip",
                f"上传{d.get_kind_display()}：{d.original_name}{withdrawn}",
                d.note,
                _name(d.uploaded_by),
            )
        )
    r_statuses = dict(Referral.Status.choices)
    for referral in case.referrals.select_related("to_org_unit"):
        for r in referral.events.select_related("by"):
            state = r_statuses.get(r.to_status, r.to_status)
            title = f"转介{referral.get_kind_display()}（{referral.to_org_unit.name}）：{state}"
            items.append(TimelineItem(_aware(r.at), "referral", "send", title, r.text, _name(r.by)))
    for p in case.payments.all():
        items.append(
            TimelineItem(
                _aware(p.created_at),
                "payment",
                "cash-coin",
                f"{p.month:%Y年%m月}救助金 {p.amount:,.2f} 元",
            )
        )
    items.sort(key=lambda i: i.when)
    return items


@dataclass
class CaseDetail:
    """Everything the case page shows."""

    case: Case
    today: dt.date
    deadlines: list[DeadlineRow]
    timeline: list[TimelineItem]
    documents: list[CaseDocument]
    referrals: list[Referral]
    may_work: bool
    may_decide: bool
    transitions: list[workflow.Transition]
    programmes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def open_deadlines(self) -> list[DeadlineRow]:
        return [d for d in self.deadlines if d.state != "met"]

    @property
    def next_deadline(self) -> DeadlineRow | None:
        rows = self.open_deadlines
        return rows[0] if rows else None

    @property
    def has_authorisation(self) -> bool:
        return any(
            d.kind == CaseDocument.Kind.AUTHORISATION and d.closed_at is None
            for d in self.documents
        )

    @property
    def open_referrals(self) -> list[Referral]:
        return [r for r in self.referrals if r.is_open]

    def may(self, name: str) -> bool:
        return any(t.name == name for t in self.transitions)


def programme_labels(names: list[str]) -> list[tuple[str, str]]:
    return [(n, BY_NAME[n].label) for n in names if n in BY_NAME]


def case_detail(*, case: Case, user: Any, today: dt.date | None = None) -> CaseDetail:
    """The case page's content for ``user`` (fetched through scope by the caller)."""
    day = today or timezone.localdate()
    may_work = can_at(user, workflow.WORK, case.division)
    may_decide = can_at(user, workflow.DECIDE, case.division)
    allowed = {workflow.WORK: may_work, workflow.DECIDE: may_decide}
    transitions = [t for t in workflow.transitions_from(case.status) if allowed.get(t.action)]
    return CaseDetail(
        case=case,
        today=day,
        deadlines=deadline_rows(case, day),
        timeline=case_timeline(case),
        documents=list(case.documents.select_related("uploaded_by")),
        referrals=list(case.referrals.select_related("to_org_unit").prefetch_related("events")),
        may_work=may_work,
        may_decide=may_decide,
        transitions=transitions,
        programmes=programme_labels(list(case.programmes) or list(CASE_PROGRAMMES)),
    )
