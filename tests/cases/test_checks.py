"""The daily check: queued once a day by the worker's heartbeat; gradual exits that run out close;
the month's payments; the command."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from minzheng.cases import schedule, services
from minzheng.cases.models import Case, DailyCheckRun, Payment, WorkflowSettings
from minzheng.cases.services.checks import daily_check_task
from tests.cases import factories as f

pytestmark = pytest.mark.django_db


def _at(hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 11, 16, hour, 5))


def test_the_check_is_queued_once_a_day_from_its_hour() -> None:
    assert schedule.tick(_at(2)) is None
    run = schedule.tick(_at(3))
    assert run is not None and run.day == dt.date(2026, 11, 16)
    assert schedule.tick(_at(4)) is None
    assert DailyCheckRun.objects.count() == 1
    assert DBTaskResult.objects.filter(task_path__endswith="daily_check_task").count() == 1


def test_the_hour_is_a_setting() -> None:
    WorkflowSettings.objects.create(daily_check_hour=6)
    assert schedule.tick(_at(5)) is None
    assert schedule.tick(_at(6)) is not None


def test_the_task_records_what_it_did() -> None:
    DailyCheckRun.objects.create(day=dt.date(2026, 11, 16))
    case = f.open_case()
    services.case_accept(case=case, by=None, expected_version=1, on=dt.date(2026, 11, 2))
    result = daily_check_task.call(day="2026-11-16")
    run = DailyCheckRun.objects.get()
    assert result["escalated"] == 1  # the means test should have started by 5 November
    assert run.result == result and run.finished_at is not None


def _exiting(ends: dt.date) -> Case:
    case = f.open_case(f.elderly_household(spouse=False))
    Case.objects.filter(pk=case.pk).update(
        status=Case.Status.EXITING,
        decision=Case.Decision.APPROVED,
        decided_on=dt.date(2026, 5, 15),
        monthly_amount=Decimal("600.00"),
        payment_start_month=dt.date(2026, 5, 1),
        exit_ends_on=ends,
    )
    case.refresh_from_db()
    return case


def test_a_gradual_exit_pays_to_its_end_then_closes() -> None:
    case = _exiting(dt.date(2026, 11, 1))
    assert services.exits_end(today=dt.date(2026, 11, 20)) == 0
    assert services.payments_generate(month=dt.date(2026, 11, 1), by=None) == 1
    assert services.exits_end(today=dt.date(2026, 12, 2)) == 1
    case.refresh_from_db()
    assert (case.status, case.close_reason) == (Case.Status.CLOSED, "渐退期届满，停止发放")
    assert services.payments_generate(month=dt.date(2026, 12, 1), by=None) == 0
    assert Payment.objects.filter(case=case).count() == 1


def test_an_exit_with_an_open_referral_waits() -> None:
    case = _exiting(dt.date(2026, 10, 1))
    f.refer(case, f.agency())
    assert services.exits_end(today=dt.date(2026, 12, 2)) == 0
    case.refresh_from_db()
    assert case.status == Case.Status.EXITING


def test_the_command_runs_the_check(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("cases_check", "--date", "2026-11-16")
    assert "逾期上报 0" in capsys.readouterr().out
