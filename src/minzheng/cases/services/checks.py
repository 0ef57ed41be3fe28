"""The daily check: reminders before a deadline, escalation to the county when one is overdue,
overdue referrals, re-checks that fall due, gradual exits that end, and the month's payments.

Run by ``minzheng cases_check`` (cron or the scheduler) or the ``daily_check_task`` background
task. Every flag it sets is idempotent: running it twice on a day changes nothing more.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from minzheng.audit.services import record_event
from minzheng.cases.models import Case, CaseDeadline, DailyCheckRun, Referral, WorkflowSettings
from minzheng.cases.services import decisions, steps
from minzheng.cases.services._common import month_start, subject_key
from minzheng.cases.services.payments import payments_generate
from minzheng.web import workdays

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckResult:
    """What one daily check did."""

    reminded: int = 0
    escalated: int = 0
    referrals_escalated: int = 0
    rechecks_opened: int = 0
    exits_ended: int = 0
    payments_created: int = 0


def deadlines_check(*, today: dt.date) -> tuple[int, int]:
    """Remind before open deadlines and escalate overdue ones. Returns (reminded, escalated)."""
    lead = WorkflowSettings.current().reminder_working_days
    horizon = workdays.add_workdays(today, lead)
    now = timezone.now()
    reminded = escalated = 0
    open_deadlines = CaseDeadline.objects.filter(met_on__isnull=True).select_related(
        "case__division", "case__household__head"
    )
    for deadline in open_deadlines.filter(reminded_at__isnull=True, due_on__lte=horizon):
        with transaction.atomic():
            deadline.reminded_at = now
            deadline.save(update_fields=["reminded_at"])
            record_event(
                actor=None,
                action="case.deadline.remind",
                obj=deadline.case,
                after={"deadline": deadline.kind, "due_on": deadline.due_on},
                division_code=deadline.case.division.code,
                subject_key=subject_key(deadline.case.household),
            )
        reminded += 1
    for deadline in open_deadlines.filter(escalated_at__isnull=True, due_on__lt=today):
        with transaction.atomic():
            deadline.escalated_at = now
            deadline.save(update_fields=["escalated_at"])
            record_event(
                actor=None,
                action="case.deadline.escalate",
                obj=deadline.case,
                after={
                    "deadline": deadline.kind,
                    "due_on": deadline.due_on,
                    "working_days_overdue": -workdays.workdays_left(today, deadline.due_on),
                },
                reason="逾期未办，上报区县",
                division_code=deadline.case.division.code,
                subject_key=subject_key(deadline.case.household),
            )
        escalated += 1
    return reminded, escalated


def referrals_check(*, today: dt.date) -> int:
    """Escalate open referrals past their deadline (once each). Returns how many."""
    now = timezone.now()
    n = 0
    overdue = Referral.objects.filter(
        status__in=Referral.OPEN_STATUSES, due_on__lt=today, escalated_at__isnull=True
    ).select_related("case__division", "case__household__head", "to_org_unit")
    for referral in overdue:
        with transaction.atomic():
            referral.escalated_at = now
            referral.save(update_fields=["escalated_at"])
            record_event(
                actor=None,
                action="referral.escalate",
                obj=referral,
                after={"due_on": referral.due_on, "to_org_unit": referral.to_org_unit.code},
                reason="转介逾期未反馈，上报区县",
                division_code=referral.case.division.code,
                subject_key=subject_key(referral.case.household),
            )
        n += 1
    return n


def rechecks_open(*, today: dt.date) -> int:
    """Open a re-check case (accepted at once) for every paying case whose re-check is due."""
    due = Case.objects.filter(
        status__in=(Case.Status.IN_PAYMENT, Case.Status.FOLLOW_UP, Case.Status.EXITING),
        next_recheck_on__lte=today,
    ).exclude(rechecks__status__in=steps.PROCEDURE_STATUSES)
    opened = 0
    for previous in due.select_related("household__division", "division"):
        if steps.open_case_of(previous.household) is not None:
            continue  # a case already in procedure re-examines the household
        with transaction.atomic():
            case = steps.case_open(
                household=previous.household,
                by=None,
                origin=Case.Origin.RECHECK,
                programmes=previous.programmes,
                origin_note=f"定期复核（原案件 {previous.number}）",
                previous_case=previous,
            )
            steps.case_accept(case=case, by=None, expected_version=case.version, on=today)
        opened += 1
    return opened


def exits_end(*, today: dt.date) -> int:
    """Close the cases whose gradual exit has run out (a case with open referrals waits)."""
    ended = 0
    this_month = month_start(today)
    for case in Case.objects.filter(status=Case.Status.EXITING, exit_ends_on__lt=this_month):
        try:
            decisions.case_stop_payment(
                case=case,
                by=None,
                expected_version=case.version,
                reason="渐退期届满，停止发放",
                on=today,
            )
        except ValidationError as exc:
            logger.info("gradual exit of %s not closed: %s", case.number, exc.messages)
            continue
        ended += 1
    return ended


def daily_check(*, today: dt.date | None = None) -> CheckResult:
    """Everything the daily check does, in order; returns the counts."""
    day = today or timezone.localdate()
    reminded, escalated = deadlines_check(today=day)
    referrals = referrals_check(today=day)
    exits = exits_end(today=day)
    rechecks = rechecks_open(today=day)
    payments = payments_generate(month=month_start(day), by=None)
    return CheckResult(
        reminded=reminded,
        escalated=escalated,
        referrals_escalated=referrals,
        rechecks_opened=rechecks,
        exits_ended=exits,
        payments_created=payments,
    )


def overdue_q(today: dt.date, prefix: str = "") -> Q:
    """Open deadlines past their due date."""
    return Q(**{f"{prefix}met_on__isnull": True, f"{prefix}due_on__lt": today})


@task()
def daily_check_task(day: str = "") -> dict[str, int]:
    """Background task: the daily check of ``day`` (ISO date; default today), recorded on the
    day's ``DailyCheckRun``. ``minzheng cases_check`` runs the same."""
    today = dt.date.fromisoformat(day) if day else timezone.localdate()
    result = dict(daily_check(today=today).__dict__)
    DailyCheckRun.objects.filter(day=today).update(finished_at=timezone.now(), result=result)
    return result
