"""``minzheng worker``: run background tasks, and say so every few seconds.

It is django-tasks-db's ``db_worker`` (same options) plus a heartbeat thread that writes a
``WorkerHeartbeat`` row, which ``/health`` reads to tell whether background work is picked up.
With each beat the thread also calls the apps' periodic jobs (``AppConfig.periodic_jobs``: dotted
paths of functions taking no argument, e.g. monitoring's nightly run) — django-tasks has no clock.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from typing import Any

from django.db import DatabaseError, connection
from django_tasks_db.management.commands import db_worker

from minzheng.web import services
from minzheng.web.jobs import run_app_jobs

HEARTBEAT_SECONDS = 10.0

logger = logging.getLogger(__name__)


def run_periodic_jobs() -> None:
    """Call every app's ``periodic_jobs`` once; a failing job is logged, the others still run."""
    run_app_jobs("periodic_jobs", "periodic job", logger)


class Heartbeat(threading.Thread):
    """A daemon thread that records the worker as alive every ``interval`` seconds."""

    def __init__(self, *, worker_id: str, interval: float = HEARTBEAT_SECONDS) -> None:
        super().__init__(name="minzheng-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.interval = interval
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopping.wait(self.interval):
                try:
                    services.heartbeat_beat(worker_id=self.worker_id)
                except DatabaseError:
                    # A busy or briefly unreachable database: the next beat tries again.
                    connection.close()
                run_periodic_jobs()
        finally:
            connection.close()  # this thread's own connection

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=self.interval + 5)


class Command(db_worker.Command):
    help = "运行后台任务工作进程（django-tasks-db），并每 10 秒写入心跳供 /health 检查。"

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--heartbeat",
            type=float,
            default=HEARTBEAT_SECONDS,
            help="Seconds between heartbeats (default: %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        worker_id: str = options["worker_id"]
        # The autoreloader would run a second, heartbeating parent process; never use it here.
        options["reload"] = False
        services.heartbeat_start(worker_id=worker_id, host=socket.gethostname(), pid=os.getpid())
        heartbeat = Heartbeat(worker_id=worker_id, interval=options.pop("heartbeat"))
        heartbeat.start()
        try:
            super().handle(*args, **options)
        finally:
            heartbeat.stop()
            services.heartbeat_stop(worker_id=worker_id)
