"""gunicorn settings for ``minzheng serve`` (the command line gives bind, workers and timeouts)."""

from __future__ import annotations

from typing import Any


def pre_fork(server: Any, worker: Any) -> None:
    """Close the master's database connections before each fork.

    With ``--preload`` the master imports the platform; should anything there open a database
    connection, forked workers must not share its socket.
    """
    from django.db import connections

    connections.close_all()


def post_worker_init(worker: Any) -> None:
    """Run the apps' warm-up jobs (``warm_up_jobs`` on an AppConfig: dotted paths of functions
    without arguments) in the worker before it takes requests. A failing job is logged and the
    worker serves anyway: warming up only saves the first request's wait."""
    import logging

    from django.db import connections

    from minzheng.web.jobs import run_app_jobs

    run_app_jobs("warm_up_jobs", "warm-up job", logging.getLogger("minzheng.web.serve"))
    connections.close_all()
