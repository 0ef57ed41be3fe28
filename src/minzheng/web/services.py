"""Writes for the shell: the background worker's heartbeat.

Heartbeats are machine telemetry written every few seconds, not a change anyone made to the
platform's records, so they write no audit event (one per beat would bury the real trail).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from minzheng.web.models import WorkerHeartbeat

# Rows of workers that stopped (or died) this long ago are dropped when a new worker starts.
HEARTBEAT_RETENTION = timedelta(days=7)


def heartbeat_start(
    *, worker_id: str, host: str, pid: int, at: datetime | None = None
) -> WorkerHeartbeat:
    """Register a worker process that has just started, and forget long-gone ones."""
    now = at or timezone.now()
    with transaction.atomic():
        WorkerHeartbeat.objects.filter(last_seen__lt=now - HEARTBEAT_RETENTION).delete()
        beat = WorkerHeartbeat(
            worker_id=worker_id, host=host, pid=pid, started_at=now, last_seen=now
        )
        beat.full_clean()
        beat.save()
    return beat


def heartbeat_beat(*, worker_id: str, at: datetime | None = None) -> int:
    """Move the worker's ``last_seen`` forward; returns the number of rows touched (0 or 1)."""
    with transaction.atomic():
        return WorkerHeartbeat.objects.filter(worker_id=worker_id, stopped_at__isnull=True).update(
            last_seen=at or timezone.now()
        )


def heartbeat_stop(*, worker_id: str, at: datetime | None = None) -> int:
    """Mark the worker as stopped so health no longer counts it; returns rows touched."""
    now = at or timezone.now()
    with transaction.atomic():
        return WorkerHeartbeat.objects.filter(worker_id=worker_id, stopped_at__isnull=True).update(
            last_seen=now, stopped_at=now
        )
