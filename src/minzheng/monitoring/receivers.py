"""Receivers for the division tree's signals (divisions never import monitoring)."""

from __future__ import annotations

from typing import Any

from minzheng.divisions.models import Division
from minzheng.monitoring import services


def on_division_rehomed(
    sender: Any, *, old: Division, new: Division, change: Any, **_: Any
) -> None:
    """A village was retired into ``new``: its active alerts follow it."""
    services.alerts_rehome(old=old, new=new)
