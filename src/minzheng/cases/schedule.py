"""The daily check's clock: django-tasks has none, so the worker calls ``tick()`` every heartbeat.

``tick()`` claims the day (a ``DailyCheckRun`` row, unique per day) once the local time passes
``WorkflowSettings.daily_check_hour`` and queues ``daily_check_task`` for it; a worker started
later in the day catches up at once, and however many workers tick, the day runs once.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from minzheng.cases.models import DailyCheckRun, WorkflowSettings
from minzheng.cases.services.checks import daily_check_task

logger = logging.getLogger(__name__)


def tick(now: dt.datetime | None = None) -> DailyCheckRun | None:
    """Queue today's check if it is due and not yet claimed; the claimed day, else None."""
    local = timezone.localtime(now)
    if local.hour < WorkflowSettings.current().daily_check_hour:
        return None
    day = local.date()
    if DailyCheckRun.objects.filter(day=day).exists():
        return None
    try:
        with transaction.atomic():
            run = DailyCheckRun.objects.create(day=day)
    except IntegrityError:
        return None  # another worker claimed it first
    daily_check_task.enqueue(day=day.isoformat())
    logger.info("queued the daily case check for %s", day)
    return run
