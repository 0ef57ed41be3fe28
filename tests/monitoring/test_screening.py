"""Screening runs on planted households: the alerts they raise, keep, update and close."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from minzheng.audit.models import AuditEvent
from minzheng.monitoring import services
from minzheng.monitoring.models import Alert, ScreeningRun
from minzheng.registry import services as registry_services
from minzheng.registry.models import Income
from minzheng.web import workdays
from tests.monitoring import situations as s

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def var_dir(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path


def _alerts(household: Any, kind: str) -> list[Alert]:
    return list(Alert.objects.filter(household=household, kind=kind).order_by("id"))


def test_run_raises_updates_and_closes_alerts(parameters: None) -> None:
    poor = s.poor_household()
    rich = s.enrolled_rich_household()
    sick = s.hospitalised_household()

    first = services.screening_run(as_of=s.TODAY, trigger=ScreeningRun.Trigger.MANUAL)

    assert first.status == ScreeningRun.Status.SUCCEEDED
    assert first.counts["dibao"]["eligible"] >= 1
    discovery = _alerts(poor, Alert.Kind.DISCOVERY)
    assert len(discovery) == 1
    assert discovery[0].programmes[:1] == ["dibao"] or "dibao" in discovery[0].programmes
    assert "dibao:eligible_not_enrolled" in {r["code"] for r in discovery[0].reasons}
    assert discovery[0].deadline == workdays.add_workdays(dt.date.today(), 3)
    assert discovery[0].scope_path == poor.division.path
    exit_review = _alerts(rich, Alert.Kind.EXIT_REVIEW)
    assert [a.status for a in exit_review] == [Alert.Status.OPEN]
    assert "income_above_line" in {r["code"] for r in exit_review[0].reasons}
    assert exit_review[0].deadline == workdays.add_workdays(dt.date.today(), 10)
    risk = _alerts(sick, Alert.Kind.RISK)
    assert len(risk) == 1
    assert "large_medical_spending" in {r["code"] for r in risk[0].reasons}
    assert 0 < risk[0].score <= 100
    # Its rigid spending (50,000 against 30,000 of income) also makes it a 刚性支出困难 household.
    assert [a.programmes for a in _alerts(sick, Alert.Kind.DISCOVERY)] == [["rigid_hardship"]]
    assert first.alerts_created == {"discovery": 2, "exit_review": 1, "risk": 1}
    assert first.comparison == {"suppressed": 0}  # nothing to compare with
    assert (
        AuditEvent.objects.filter(action="monitoring.run.finish", object_id=str(first.pk)).count()
        == 1
    )

    # The same situation again: the same alerts, seen by the second run, none added.
    second = services.screening_run(as_of=s.TODAY, trigger=ScreeningRun.Trigger.MANUAL)
    assert second.alerts_created == {}
    assert second.alerts_updated == {"discovery": 2, "exit_review": 1, "risk": 1}
    assert second.previous_id == first.pk
    assert second.comparison["newly_eligible_households"] == 0
    assert second.comparison["no_longer_eligible_households"] == 0
    again = _alerts(poor, Alert.Kind.DISCOVERY)
    assert [(a.pk, a.first_seen_run_id, a.last_seen_run_id) for a in again] == [
        (discovery[0].pk, first.pk, second.pk)
    ]
    assert Alert.objects.count() == 4

    # The poor household finds work: its discovery alert closes, with the reason.
    assert poor.head is not None
    s.income(poor.head, 90000)
    # Risk alert dismissed after verification: not raised again for the same reasons.
    services.alert_dismiss(alert=risk[0], by=None, reason="已获大病保险赔付，生活有保障")
    third = services.screening_run(as_of=s.TODAY, trigger=ScreeningRun.Trigger.MANUAL)

    closed = Alert.objects.get(pk=discovery[0].pk)
    assert closed.status == Alert.Status.CLOSED
    assert "未再发现" in closed.resolution_reason
    assert third.alerts_closed == {"discovery": 1}
    assert third.comparison["no_longer_eligible"].get("dibao", 0) >= 1
    assert third.comparison["no_longer_eligible_households"] >= 1
    assert third.comparison["suppressed"] == 1
    assert _alerts(sick, Alert.Kind.RISK)[0].status == Alert.Status.DISMISSED
    assert len(_alerts(sick, Alert.Kind.RISK)) == 1
    # The exit review stays open: its condition still holds.
    assert Alert.objects.get(pk=exit_review[0].pk).status == Alert.Status.OPEN


def test_run_without_parameters_fails_and_says_why() -> None:
    with pytest.raises(services.ScreeningError):
        services.screening_run(as_of=s.TODAY, trigger=ScreeningRun.Trigger.MANUAL)
    run = ScreeningRun.objects.get()
    assert run.status == ScreeningRun.Status.FAILED
    assert "load_parameters" in run.error


def test_request_queues_one_run_at_a_time(scoped_user: Any) -> None:
    user = scoped_user(["monitoring.run"])
    first = services.screening_run_request(by=user)
    second = services.screening_run_request(by=user)
    assert first.pk == second.pk
    assert first.status == ScreeningRun.Status.PENDING
    assert ScreeningRun.objects.count() == 1


def test_closed_income_counts_no_more(parameters: None) -> None:
    """A fact closed as wrong is not in the snapshot: the exit review disappears with it."""
    rich = s.enrolled_rich_household()
    services.screening_run(as_of=s.TODAY, trigger=ScreeningRun.Trigger.MANUAL)
    assert len(_alerts(rich, Alert.Kind.EXIT_REVIEW)) == 1
    wage = Income.objects.get(person=rich.head, kind="wage")
    registry_services.fact_close(by=None, fact=wage, reason="录入错误")
    run = services.screening_run(as_of=s.TODAY, trigger=ScreeningRun.Trigger.MANUAL)
    assert run.alerts_closed == {"exit_review": 1}
    assert _alerts(rich, Alert.Kind.EXIT_REVIEW)[0].status == Alert.Status.CLOSED
