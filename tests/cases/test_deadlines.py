"""Deadlines in working days on the Chinese holiday calendar: the means-test start (3), the
decision (10), the refusal notice (3), the whole procedure (30, extendable to 45 with a reason);
reminders before, escalation after, and the working days left the pages show."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from minzheng.audit.models import AuditEvent
from minzheng.cases import selectors, services, workflow
from minzheng.cases.models import Case, CaseDeadline
from minzheng.web import workdays
from tests.cases import factories as f

pytestmark = pytest.mark.django_db

D = CaseDeadline.Kind
BEFORE_NATIONAL_DAY = dt.date(2026, 9, 30)  # Wednesday; 1–7 October are holidays


def test_the_means_test_limit_skips_the_national_day_holiday() -> None:
    case = f.open_case()
    services.case_accept(case=case, by=None, expected_version=1, on=BEFORE_NATIONAL_DAY)
    means = case.deadlines.get(kind=D.MEANS_TEST_START)
    # 8, 9 and Saturday 10 October (a weekend day made a working day in exchange, 调休).
    assert (means.working_days, means.due_on) == (3, dt.date(2026, 10, 10))
    # Counted Monday to Friday it would have been 5 October, inside the holiday.
    assert means.due_on > dt.date(2026, 10, 7)
    assert means.parameter == "dibao.process.means_test_start_working_days"


def test_the_whole_procedure_is_thirty_working_days_extendable_to_forty_five() -> None:
    case = f.open_case()
    services.case_accept(case=case, by=None, expected_version=1, on=BEFORE_NATIONAL_DAY)
    overall = case.deadlines.get(kind=D.OVERALL)
    assert overall.working_days == 30
    assert overall.due_on == workdays.add_workdays(BEFORE_NATIONAL_DAY, 30)
    assert workdays.workdays_between(BEFORE_NATIONAL_DAY, overall.due_on) == 30
    # 30 working days across the National Day holiday take more than six calendar weeks.
    assert (overall.due_on - BEFORE_NATIONAL_DAY).days > 42

    with pytest.raises(ValidationError, match="须说明理由"):
        services.case_extend(case=case, by=None, expected_version=2, reason=" ")
    services.case_extend(case=case, by=None, expected_version=2, reason="需补充外省不动产核对")
    overall.refresh_from_db()
    case.refresh_from_db()
    assert (overall.working_days, case.extended, case.version) == (45, True, 3)
    assert overall.due_on == workdays.add_workdays(BEFORE_NATIONAL_DAY, 45)
    assert overall.extension_reason == "需补充外省不动产核对"
    assert AuditEvent.objects.filter(action="case.extend").count() == 1
    with pytest.raises(ValidationError, match="已延长过"):
        services.case_extend(case=case, by=None, expected_version=3, reason="再延")


def test_an_extension_on_a_stale_version_conflicts() -> None:
    case = f.open_case()
    services.case_accept(case=case, by=None, expected_version=1, on=BEFORE_NATIONAL_DAY)
    with pytest.raises(workflow.Conflict):
        services.case_extend(case=case, by=None, expected_version=1, reason="理由")


def test_the_decision_limit_starts_when_the_notice_ends() -> None:
    worker, officer = f.worker(), f.officer()
    case = f.walk(f.open_case(by=worker), Case.Status.COUNTY_DECISION, by=worker, county=officer)
    decision = case.deadlines.get(kind=D.DECISION)
    assert case.notice_ends_on is not None
    assert decision.starts_on == case.notice_ends_on
    assert decision.due_on == workdays.add_workdays(case.notice_ends_on, 10)
    assert decision.level == CaseDeadline.Level.COUNTY
    assert case.deadlines.get(kind=D.MEANS_TEST_START).met_on == f.START + dt.timedelta(days=1)


def test_a_refusal_starts_the_three_day_notice_limit_and_the_notice_meets_it() -> None:
    case = f.open_case()
    Case.objects.filter(pk=case.pk).update(status=Case.Status.COUNTY_DECISION)
    case.refresh_from_db()
    day = dt.date(2026, 11, 20)  # Friday
    workflow.apply_transition(
        case=case, name="refuse", by=None, expected_version=1, reason="收入超标", on=day
    )
    notice = case.deadlines.get(kind=D.REFUSAL_NOTICE)
    assert notice.due_on == dt.date(2026, 11, 25)  # Mon, Tue, Wed
    services.case_notify_refusal(case=case, by=None, expected_version=2, on=dt.date(2026, 11, 24))
    notice.refresh_from_db()
    assert (case.status, notice.met_on) == (Case.Status.CLOSED, dt.date(2026, 11, 24))


def test_reminders_before_and_escalation_after_the_deadline_each_once() -> None:
    case = f.open_case()
    services.case_accept(case=case, by=None, expected_version=1, on=dt.date(2026, 11, 2))
    means = case.deadlines.get(kind=D.MEANS_TEST_START)  # due Thursday 5 November
    assert means.due_on == dt.date(2026, 11, 5)

    reminded, escalated = services.deadlines_check(today=dt.date(2026, 11, 3))
    assert (reminded, escalated) == (1, 0)  # within two working days of the limit
    assert services.deadlines_check(today=dt.date(2026, 11, 3)) == (0, 0)

    reminded, escalated = services.deadlines_check(today=dt.date(2026, 11, 6))
    assert escalated == 1
    means.refresh_from_db()
    assert means.reminded_at is not None and means.escalated_at is not None
    assert AuditEvent.objects.filter(action="case.deadline.escalate").count() == 1

    row = next(
        r for r in selectors.deadline_rows(case, dt.date(2026, 11, 9)) if r.deadline == means
    )
    assert (row.state, row.overdue_by) == ("overdue", 2)  # 6 and 9 November


def test_working_days_left_count_the_calendar() -> None:
    deadline = CaseDeadline(
        starts_on=BEFORE_NATIONAL_DAY, due_on=dt.date(2026, 10, 10), working_days=3
    )
    assert selectors.deadline_state(deadline, BEFORE_NATIONAL_DAY, 2) == (3, "running")
    assert selectors.deadline_state(deadline, dt.date(2026, 10, 5), 2) == (3, "running")
    assert selectors.deadline_state(deadline, dt.date(2026, 10, 8), 2) == (2, "due_soon")
    assert selectors.deadline_state(deadline, dt.date(2026, 10, 10), 2) == (0, "due_soon")
    assert selectors.deadline_state(deadline, dt.date(2026, 10, 12), 2) == (-1, "overdue")


def test_overdue_townships_and_counties_are_counted_for_the_county_and_the_city() -> None:
    worker = f.worker()
    case = f.open_case(by=worker)
    services.case_accept(case=case, by=worker, expected_version=1, on=dt.date(2026, 11, 2))
    today = dt.date(2026, 11, 26)
    county_view = f.make_view_user(f.COUNTY)
    city_view = f.make_view_user("500000")
    townships = selectors.overdue_townships(county_view, today)
    counties = selectors.overdue_counties(city_view, today)
    assert [(r.code, r.deadlines) for r in townships] == [(f.TOWNSHIP, 1)]
    assert [(r.code, r.name, r.deadlines) for r in counties] == [(f.COUNTY, "万州区", 1)]
    assert selectors.overdue_counties(f.make_view_user(f.OTHER_COUNTY), today) == []
