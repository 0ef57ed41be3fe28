"""Reads for the shell: what a home page shows, and the platform's health."""

from __future__ import annotations

from typing import Any

from django.db import connection


def home_context(*, user: Any) -> dict[str, Any]:
    """Context for the home page of ``user``'s first role."""
    assignments = list(
        user.assignments.filter(closed_at__isnull=True).select_related("role", "division")
    )
    role_code = assignments[0].role.code if assignments else ""
    return {
        "template": "web/home.html",
        "role_code": role_code,
        "assignments": assignments,
    }


def health_report() -> dict[str, Any]:
    """Whether the database answers, and which database it is."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # the health endpoint reports every failure, whatever it is
        database = {"ok": False, "vendor": connection.vendor, "error": str(exc)}
    return {"database": database}
