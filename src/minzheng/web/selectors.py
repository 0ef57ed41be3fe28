"""Reads for the shell: what a home page shows, and the platform's health."""

from __future__ import annotations

from datetime import datetime, timedelta
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from django.db import DatabaseError, connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from minzheng.web import home
from minzheng.web.models import WorkerHeartbeat

# A worker that has not beaten for this long is taken for dead (it beats every ~10 s).
WORKER_STALE_AFTER = timedelta(seconds=60)


def home_context(*, user: Any) -> dict[str, Any]:
    """Context for ``user``'s home page, chosen by their primary role (see ``web.home``)."""
    return home.home_context(user=user)


def platform_version() -> str:
    """The installed version of the minzheng package."""
    try:
        return version("minzheng")
    except PackageNotFoundError:
        return "unknown"


def worker_status(*, now: datetime | None = None) -> dict[str, Any]:
    """Whether a background worker is alive: a running one beat within ``WORKER_STALE_AFTER``."""
    now = now or timezone.now()
    latest = (
        WorkerHeartbeat.objects.filter(stopped_at__isnull=True)
        .order_by("-last_seen")
        .only("last_seen")
        .first()
    )
    if latest is None:
        return {"ok": False, "last_seen": None, "age_seconds": None}
    age = (now - latest.last_seen).total_seconds()
    return {
        "ok": age < WORKER_STALE_AFTER.total_seconds(),
        "last_seen": latest.last_seen.isoformat(),
        "age_seconds": round(age, 1),
    }


def task_counts() -> dict[str, int]:
    """How many background tasks wait, run, and have failed."""
    tasks = DBTaskResult.objects.all()
    return {
        "ready": tasks.ready().count(),
        "running": tasks.running().count(),
        "failed": tasks.failed().count(),
    }


def health_report() -> dict[str, Any]:
    """Database, worker and task-queue status, and the platform version.

    Never raises: a part that cannot be read reports its error instead.
    """
    report: dict[str, Any] = {"version": platform_version()}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        report["database"] = {"ok": True, "vendor": connection.vendor}
    except DatabaseError as exc:
        report["database"] = {"ok": False, "vendor": connection.vendor, "error": str(exc)}
        report["worker"] = {"ok": False, "last_seen": None, "age_seconds": None}
        report["tasks"] = None
        return report
    try:
        report["worker"] = worker_status()
        report["tasks"] = task_counts()
    except DatabaseError as exc:  # e.g. migrations not applied yet
        report["worker"] = {"ok": False, "last_seen": None, "age_seconds": None, "error": str(exc)}
        report["tasks"] = None
    return report
