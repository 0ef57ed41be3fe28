"""The nightly run: django-tasks has no clock, so the worker asks ``tick()`` every heartbeat.

``tick()`` queues the day's scheduled run once the local time passes
``MonitoringSettings.nightly_hour`` (2 a.m. by default) and no scheduled run of that day exists.
A worker started later in the day catches up at once. The database's unique constraint on
(scheduled, as_of) keeps it to one run a day however many workers tick.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError
from django.utils import timezone

from minzheng.monitoring.conf import monitoring_settings
from minzheng.monitoring.models import ScreeningRun
from minzheng.monitoring.services import screening_run_request

logger = logging.getLogger(__name__)


def nightly_due(now: dt.datetime | None = None) -> bool:
    """Whether today's scheduled run should be queued now."""
    local = timezone.localtime(now)
    if local.hour < monitoring_settings().nightly_hour:
        return False
    return not ScreeningRun.objects.filter(
        trigger=ScreeningRun.Trigger.SCHEDULED, as_of=local.date()
    ).exists()


def tick(now: dt.datetime | None = None) -> ScreeningRun | None:
    """Queue today's scheduled run if it is due; the run queued, else None."""
    if not nightly_due(now):
        return None
    day = timezone.localtime(now).date()
    try:
        run = screening_run_request(by=None, as_of=day, trigger=ScreeningRun.Trigger.SCHEDULED)
    except IntegrityError:
        return None  # another worker queued it first
    logger.info("queued the nightly screening run %s for %s", run.pk, day)
    return run
