"""The demo's loop: cases at every stage, referrals answered, open and overdue, alerts waiting —
all through the services as the demo users, with every case's trail from its opening."""

from __future__ import annotations

import datetime as dt

import pytest

from minzheng.accounts.models import OrgUnit, User
from minzheng.audit.models import AuditEvent
from minzheng.cases.models import Case, CaseDocument, CaseEvent, Payment, Referral
from minzheng.demo import loop as demo_loop
from minzheng.monitoring.models import Alert
from tests.simulation.demo.conftest import World

pytestmark = pytest.mark.django_db

S = Case.Status
EVERY_STAGE = {
    S.REGISTERED,
    S.ACCEPTED,
    S.CHECKING,
    S.VISITING,
    S.TOWNSHIP_REVIEW,
    S.PUBLIC_NOTICE,
    S.COUNTY_DECISION,
    S.IN_PAYMENT,
    S.REFUSED,
    S.CLOSED,
}


def test_the_demo_has_cases_at_every_stage(loop_world: World) -> None:
    assert loop_world.result.skipped is False
    assert loop_world.result.failures == []
    statuses = set(Case.objects.values_list("status", flat=True))
    assert statuses >= EVERY_STAGE
    # Closed three ways: after a refusal notice, after follow-up, withdrawn.
    closing = set(CaseEvent.objects.filter(to_status=S.CLOSED).values_list("transition", flat=True))
    assert closing == {"notify_refusal", "finish_follow_up", "withdraw"}


def test_every_case_was_worked_by_the_demo_users_from_its_opening(loop_world: World) -> None:
    township = User.objects.get(username="demo_township")
    county = User.objects.get(username="demo_county")
    for case in Case.objects.all():
        events = list(case.events.order_by("version"))
        assert events[0].transition == "open"
        assert [e.version for e in events] == list(range(1, case.version + 1))
        assert events[-1].to_status == case.status
    actors = set(CaseEvent.objects.values_list("by__username", flat=True))
    assert actors == {township.username, county.username}
    assert AuditEvent.objects.filter(action="case.approve", actor=county).count() >= 2


def test_paid_cases_have_their_payments(loop_world: World) -> None:
    paying = Case.objects.filter(status=S.IN_PAYMENT)
    assert paying.count() == 2
    months = sorted(Payment.objects.values_list("month", flat=True).distinct())
    first_of_month = loop_world.today.replace(day=1)
    assert months[-1] == first_of_month
    # The case decided last month has last month's payment and this month's (daily check).
    assert Payment.objects.filter(case__in=paying).count() >= 3
    assert all(p.amount > 0 for p in Payment.objects.all())


def test_referrals_answered_open_and_overdue_to_the_agency_and_the_charity(
    loop_world: World,
) -> None:
    today = loop_world.today
    agency = User.objects.get(username="demo_agency").org_unit
    charity = User.objects.get(username="demo_charity").org_unit
    assert agency is not None and agency.kind == OrgUnit.Kind.PARTNER_AGENCY
    assert charity is not None and charity.kind == OrgUnit.Kind.SOCIAL_ORGANIZATION
    for unit in (agency, charity):
        sent = Referral.objects.filter(to_org_unit=unit)
        assert sent.filter(status=Referral.Status.DONE).exclude(outcome="").exists(), unit
        assert sent.filter(status=Referral.Status.SENT, due_on__gte=today).exists(), unit
    overdue = Referral.objects.filter(status__in=Referral.OPEN_STATUSES, due_on__lt=today)
    assert overdue.filter(to_org_unit=agency).count() == 1
    assert overdue.get().escalated_at is not None
    # Every referral to the social organisation carries the household's consent.
    for referral in Referral.objects.filter(to_org_unit=charity):
        assert referral.consent_document is not None
        assert referral.consent_document.kind == CaseDocument.Kind.CONSENT


def test_alerts_wait_are_verified_dismissed_and_converted(loop_world: World) -> None:
    alerts = Alert.objects.filter(first_seen_run=loop_world.run)
    statuses = set(alerts.values_list("status", flat=True))
    assert statuses >= {"open", "in_verification", "dismissed", "converted_to_case"}
    open_discovery = alerts.filter(kind=Alert.Kind.DISCOVERY, status=Alert.Status.OPEN)
    assert any(set(a.programmes) & {"dibao", "tekun"} for a in open_discovery)
    assert not alerts.filter(status="dismissed", resolution_reason="").exists()
    for alert in alerts.filter(status="converted_to_case"):
        assert alert.case_id is not None
        assert Case.objects.filter(pk=alert.case_id).exists()


def test_overdue_steps_are_escalated(loop_world: World) -> None:
    today = loop_world.today
    overdue = Case.objects.filter(deadlines__met_on__isnull=True, deadlines__due_on__lt=today)
    assert overdue.filter(status=S.ACCEPTED).exists()
    assert overdue.filter(status=S.COUNTY_DECISION).exists()
    assert loop_world.result.cases["escalated_deadlines"] >= 2


def test_running_the_loop_again_changes_nothing(loop_world: World) -> None:
    before = (Case.objects.count(), Referral.objects.count(), AuditEvent.objects.count())
    again = demo_loop.run_demo_loop(today=loop_world.today)
    assert again.skipped is True
    assert again.reason == "done before"
    assert (Case.objects.count(), Referral.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize(
    "today",
    [dt.date(2026, 11, 27), dt.date(2026, 11, 28), dt.date(2026, 12, 31), dt.date(2027, 3, 1)],
)
def test_the_county_decided_last_month_whatever_the_day(today: dt.date) -> None:
    # The paid case's first payment is last month's: on 28 November 2026 twenty working days
    # back were still November, and the case had one payment, not two.
    old, recent = demo_loop._decision_days(today)
    first_of_month = today.replace(day=1)
    assert recent == today
    assert old < first_of_month
    assert old <= demo_loop.workdays_before(today, 20)
    assert (first_of_month - old).days < 40
