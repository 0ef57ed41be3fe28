"""Receivers for the division tree's signals (divisions never import the registry)."""

from __future__ import annotations

from typing import Any

from minzheng.divisions.models import Division
from minzheng.registry import services


def on_division_rehomed(
    sender: Any, *, old: Division, new: Division, change: Any, **_: Any
) -> None:
    """A village was retired into ``new``: its open households and its residents follow."""
    services.households_rehome(old=old, new=new, change=change)
