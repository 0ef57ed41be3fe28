"""A month of the loop, reconciled: nothing discovered is lost, every count adds up.

A small generated population of 万州区 lives through 30 days (14 September – 13 October 2026,
across the Mid-Autumn and National Day holidays): events every day, the nightly screening, the
daily check, simulated workers on working days (see ``tests/simulation/month.py``). At the end:

- every alert ended in a case, a dismissal with a reason, a closing with a reason (its
  condition gone at a later run, or its case closed), or is still open — overdue past its
  verification deadline, or within it;
- the runs' counts add up to the alerts, the alerts to the cases, the cases to the payments and
  referrals; one active alert per household and kind;
- nothing is lost: every alert the audit trail mentions exists, every case has its event trail
  from its opening, every referral from its sending.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import time
from collections import Counter
from decimal import Decimal

import pytest
import time_machine
from django.db.models import Count

from minzheng.audit.models import AuditEvent
from minzheng.cases import figures
from minzheng.cases.models import Case, CaseEvent, Payment, Referral, ReferralEvent
from minzheng.cases.workflow import TRANSITIONS
from minzheng.monitoring.models import Alert, ScreeningRun
from tests.scope import make_scoped_user
from tests.simulation import month

pytestmark = pytest.mark.django_db

START = dt.date(2026, 9, 14)  # a Monday
# A month by default; MINZHENG_SIMULATION_DAYS shortens it while working on the simulation.
DAYS = int(os.environ.get("MINZHENG_SIMULATION_DAYS", "30"))
PERSONS = 1200
SEED = 20260914


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    found, day = [], first.replace(day=1)
    while day <= last:
        found.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return found


def test_a_month_of_the_loop_reconciles() -> None:
    started = time.perf_counter()
    days = month.days(START, DAYS)
    last = days[-1]
    with time_machine.travel(month.at(START, 0), tick=False) as clock:
        month.Month.prepare()
        month.load_population(persons=PERSONS, seed=SEED, as_of=START)
        sim = month.Month(seed=SEED)
        for day in days:
            clock.move_to(month.at(day, 1))
            sim.timed("events", sim.events, day)
            clock.move_to(month.at(day, 2))
            sim.timed("nightly runs", sim.night, day)
            clock.move_to(month.at(day, 3))
            sim.timed("daily checks", sim.daily_check, day)
            if month.is_workday(day):
                clock.move_to(month.at(day, 10))
                sim.timed("workers", sim.work, day)
        clock.move_to(month.at(last, 18))
        today = last
        _reconcile(sim, today)
        found = figures.loop_figures(user=make_scoped_user(("case.view",), division="500101"))
    seconds = time.perf_counter() - started
    spent = ", ".join(f"{k} {v:.1f} s" for k, v in sim.tally.seconds.items())
    print(f"\n{DAYS} days simulated in {seconds:.1f} s ({spent})")
    print(f"events {dict(sim.tally.events)}; alerts {dict(sim.tally.alerts)}")

    # The loop figures tell the same story.
    assert found.total.alerts == Alert.objects.count()
    assert found.total.cases == Case.objects.count()
    assert found.total.paid == Payment.objects.values("case").distinct().count()
    assert (
        found.total.overdue_referrals
        == Referral.objects.filter(status__in=Referral.OPEN_STATUSES, due_on__lt=today).count()
    )


def _reconcile(sim: month.Month, today: dt.date) -> None:
    tally = sim.tally
    # The month happened: events, a run every night, work done.
    assert min(tally.events["hospitalisation"], tally.events["income_down"]) > 0
    runs = list(ScreeningRun.objects.order_by("as_of"))
    assert [r.as_of for r in runs] == month.days(START, DAYS)
    assert {r.status for r in runs} == {ScreeningRun.Status.SUCCEEDED}

    alerts = Alert.objects.all()
    total = alerts.count()
    assert total > 0

    # Runs ↔ alerts: each alert was first raised by one run, whose count includes it.
    created = Counter[int]()
    for run in runs:
        created[run.pk] = run.alerts_created_total
    raised = Counter(alerts.values_list("first_seen_run_id", flat=True))
    assert raised == +created
    closed_by_runs = alerts.filter(resolution_reason__contains="次监测评估").count()
    assert closed_by_runs == sum(r.alerts_closed_total for r in runs)

    # Every alert ends somewhere: a case, a dismissal, a closing, overdue or within deadline.
    outcome = Counter[str]()
    for alert in alerts:
        if alert.status == Alert.Status.CONVERTED:
            assert alert.case_id is not None
            case = Case.objects.get(pk=alert.case_id)
            assert case.status != Case.Status.CLOSED
            outcome["case"] += 1
        elif alert.status == Alert.Status.DISMISSED:
            assert alert.resolution_reason.strip()
            outcome["dismissed"] += 1
        elif alert.status == Alert.Status.CLOSED:
            assert alert.resolution_reason.strip()
            if alert.case_id is not None:
                assert Case.objects.get(pk=alert.case_id).status == Case.Status.CLOSED
                outcome["case"] += 1
            else:
                outcome["closed by a run"] += 1
        else:
            assert alert.status in Alert.OPEN_STATUSES
            outcome["overdue" if alert.deadline < today else "within deadline"] += 1
    assert sum(outcome.values()) == total
    assert min(outcome["case"], outcome["dismissed"], outcome["overdue"]) > 0, outcome
    assert outcome["dismissed"] == tally.alerts["dismissed"]

    # One active alert per household and kind.
    doubled = (
        alerts.filter(status__in=Alert.ACTIVE)
        .values("household", "kind")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert list(doubled) == []

    # Alerts ↔ cases: every case from an alert names it, and the alert names the case.
    cases = Case.objects.all()
    assert cases.count() > 0
    for case in cases.filter(origin=Case.Origin.ALERT):
        assert case.alert_id is not None
        assert Alert.objects.get(pk=case.alert_id).case_id == case.pk
    joined = set(alerts.filter(case_id__isnull=False).values_list("case_id", flat=True))
    assert joined == set(cases.values_list("pk", flat=True))  # every case came from an alert
    assert len(joined) == tally.alerts["converted"] - _joined_existing(sim)

    # Every case has its trail from the opening, one event per version, to its status.
    names = set(TRANSITIONS) | {"open"}
    for case in cases:
        events = list(case.events.order_by("version"))
        assert events[0].transition == "open" and events[0].from_status == ""
        assert [e.version for e in events] == list(range(1, case.version + 1))
        for earlier, later in itertools.pairwise(events):
            assert later.from_status == earlier.to_status
        assert events[-1].to_status == case.status
        assert {e.transition for e in events} <= names
    assert CaseEvent.objects.count() == sum(c.version for c in cases)
    statuses = set(cases.values_list("status", flat=True))
    if DAYS >= 20:  # long enough for a 7-day notice and the decision
        assert {Case.Status.IN_PAYMENT, Case.Status.CLOSED} <= statuses, statuses

    # Payments: approved cases only, the approved amount, every month since approval.
    last_month = today.replace(day=1)
    for payment in Payment.objects.select_related("case"):
        assert payment.case.decision == Case.Decision.APPROVED
        assert payment.case.monthly_amount is not None
        assert payment.amount == payment.case.monthly_amount > Decimal("0")
        assert payment.case.payment_start_month is not None
        assert payment.month >= payment.case.payment_start_month
    for case in cases.filter(status=Case.Status.IN_PAYMENT):
        assert case.payment_start_month is not None
        paid = sorted(case.payments.values_list("month", flat=True))
        assert paid == _months(case.payment_start_month, last_month)
    if last_month > START.replace(day=1):
        assert Payment.objects.filter(month=last_month).exists()

    # Referrals: a trail from the sending; answered ones carry their outcome.
    referrals = Referral.objects.all()
    assert referrals.count() == tally.referrals["sent"] > 0
    for referral in referrals:
        referral_events = list(referral.events.order_by("version"))
        assert referral_events[0].transition == "send"
        assert [e.version for e in referral_events] == list(range(1, referral.version + 1))
        assert referral_events[-1].to_status == referral.status
        if referral.status in (Referral.Status.DONE, Referral.Status.DECLINED):
            assert referral.outcome.strip()
    assert ReferralEvent.objects.count() == sum(r.version for r in referrals)
    by_status = Counter(referrals.values_list("status", flat=True))
    assert by_status["done"] == tally.referrals["finish"]
    assert by_status["declined"] == tally.referrals["decline"]
    # A case never closes while a referral waits for an outcome.
    assert not referrals.filter(
        status__in=Referral.OPEN_STATUSES, case__status=Case.Status.CLOSED
    ).exists()

    # Nothing lost: whatever the audit trail says happened to an alert, the alert is there.
    mentioned = {
        int(pk)
        for pk in AuditEvent.objects.filter(action__startswith="alert.")
        .exclude(object_id="")
        .values_list("object_id", flat=True)
    }
    assert mentioned <= set(alerts.values_list("pk", flat=True))
    assert len(mentioned) >= outcome["dismissed"] + outcome["case"]


def _joined_existing(sim: month.Month) -> int:
    """Conversions that joined a case already in procedure (a second alert of the household)."""
    return sum(
        1
        for case_id, n in Counter(
            Alert.objects.filter(case_id__isnull=False).values_list("case_id", flat=True)
        ).items()
        if n > 1
        for _ in range(n - 1)
    )
