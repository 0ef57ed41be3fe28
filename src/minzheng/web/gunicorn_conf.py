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
