"""The apps' jobs named on their AppConfig: ``periodic_jobs`` (called by ``minzheng worker``
with each heartbeat) and ``warm_up_jobs`` (called by each ``minzheng serve`` worker before it
takes requests) — dotted paths of functions taking no argument."""

from __future__ import annotations

import logging

from django.apps import apps
from django.db import connection
from django.utils.module_loading import import_string


def run_app_jobs(attribute: str, what: str, logger: logging.Logger) -> None:
    """Call every app's jobs listed under ``attribute``; a failing job is logged ("<what>
    <path> failed") and its database connection closed, and the others still run."""
    for config in apps.get_app_configs():
        for path in getattr(config, attribute, ()):
            try:
                import_string(path)()
            except Exception:
                logger.exception("%s %s failed", what, path)
                connection.close()
