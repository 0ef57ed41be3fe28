"""Helpers shared by the accounts services: who may act where, and audit snapshots."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from minzheng.accounts.scope import can_at, can_city_wide


def ensure_may(by: Any, action: str, division: Any) -> None:
    """Refuse unless ``by`` holds ``action`` over ``division``; ``None`` is the system itself.

    Views check scope before calling a service; this guard keeps a service from widening
    anyone's reach when it is called from elsewhere (a command, the API, another app).
    """
    if by is None:
        return
    if not can_at(by, action, division):
        raise PermissionDenied(f"{by} may not {action} in {division}")


def ensure_may_city_wide(by: Any, action: str) -> None:
    """Refuse unless ``by`` holds ``action`` over the whole city; ``None`` is the system."""
    if by is not None and not can_city_wide(by, action):
        raise PermissionDenied(f"{by} may not {action} city-wide")
