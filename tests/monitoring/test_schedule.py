"""The nightly run: queued once a day from the set hour, by whichever worker ticks first."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from minzheng.monitoring import schedule
from minzheng.monitoring.models import ScreeningRun
from minzheng.web.management.commands.worker import run_periodic_jobs

pytestmark = pytest.mark.django_db


def _at(hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 10, 9, hour, 5))


def test_nothing_before_the_nightly_hour() -> None:
    assert schedule.tick(_at(1)) is None
    assert ScreeningRun.objects.count() == 0


def test_queued_once_from_the_nightly_hour_on() -> None:
    run = schedule.tick(_at(2))
    assert run is not None
    assert (run.as_of, run.trigger, run.status) == (dt.date(2026, 10, 9), "scheduled", "pending")
    assert schedule.tick(_at(3)) is None
    assert schedule.tick(_at(23)) is None
    assert ScreeningRun.objects.count() == 1


def test_hour_is_a_setting(settings: Any) -> None:
    settings.MINZHENG_MONITORING = {"nightly_hour": 5}
    assert schedule.tick(_at(4)) is None
    assert schedule.tick(_at(5)) is not None


def test_worker_heartbeat_calls_the_periodic_jobs(settings: Any) -> None:
    settings.MINZHENG_MONITORING = {"nightly_hour": 0}
    run_periodic_jobs()
    assert ScreeningRun.objects.filter(trigger="scheduled", as_of=timezone.localdate()).count() == 1
