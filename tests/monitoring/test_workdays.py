"""Working days on the Chinese holiday calendar, and the alert deadlines counted with them."""

from __future__ import annotations

import datetime as dt

import pytest

from minzheng.monitoring.conf import MonitoringSettings
from minzheng.monitoring.services import deadline_for
from minzheng.web import workdays

D = dt.date


def test_national_day_2026_is_skipped_and_the_exchanged_saturday_counts() -> None:
    # 2026: 1–7 October off; Saturday 10 October worked in exchange.
    assert workdays.is_workday(D(2026, 10, 1)) is False
    assert workdays.is_workday(D(2026, 10, 7)) is False
    assert workdays.is_workday(D(2026, 10, 10)) is True
    assert workdays.add_workdays(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert workdays.add_workdays(D(2026, 9, 30), 3) == D(2026, 10, 10)
    assert workdays.workdays_between(D(2026, 9, 30), D(2026, 10, 12)) == 4


def test_zero_days_is_the_next_working_day() -> None:
    assert workdays.add_workdays(D(2026, 10, 3), 0) == D(2026, 10, 8)
    assert workdays.add_workdays(D(2026, 10, 9), 0) == D(2026, 10, 9)


def test_workdays_left_counts_down_and_past_the_deadline() -> None:
    assert workdays.workdays_left(D(2026, 9, 30), D(2026, 10, 9)) == 2
    assert workdays.workdays_left(D(2026, 10, 9), D(2026, 10, 9)) == 0
    # 10 (the exchanged Saturday), 12 and 13 October: three working days overdue.
    assert workdays.workdays_left(D(2026, 10, 13), D(2026, 10, 9)) == -3


def test_a_year_the_calendar_does_not_know_counts_monday_to_friday(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert workdays.calendar_covers(2026) is True
    assert workdays.calendar_covers(2099) is False
    # 2099-01-01 is a Thursday: the New Year holiday is unknown, so it counts as a working day.
    assert workdays.is_workday(D(2099, 1, 1)) is True
    assert workdays.add_workdays(D(2099, 1, 2), 1) == D(2099, 1, 5)  # Friday → Monday
    assert "no data for 2099" in caplog.text


def test_alert_deadlines_per_kind_across_national_day() -> None:
    conf = MonitoringSettings()
    raised = D(2026, 9, 29)
    assert deadline_for("discovery", raised, conf) == D(2026, 10, 9)
    assert deadline_for("risk", raised, conf) == D(2026, 10, 9)
    # Ten working days: 30 Sep, 8, 9, 10 (Sat), 12–16, 19 October.
    assert deadline_for("exit_review", raised, conf) == D(2026, 10, 19)


def test_deadlines_are_configurable(settings: pytest.FixtureRequest) -> None:
    settings.MINZHENG_MONITORING = {"deadline_workdays": {"risk": 1}}  # type: ignore[attr-defined]
    assert deadline_for("risk", D(2026, 9, 30)) == D(2026, 10, 8)
    assert deadline_for("discovery", D(2026, 9, 30)) == D(2026, 10, 10)
