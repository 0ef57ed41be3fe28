"""Receivers for the division tree's signals (divisions must not import accounts)."""

from __future__ import annotations

from typing import Any

from minzheng.accounts import services
from minzheng.divisions.models import Division


def on_division_rehomed(
    sender: Any, *, old: Division, new: Division, change: Any, **_: Any
) -> None:
    """A division was retired into ``new``: its current org units and scopes follow."""
    services.rehome_division(old=old, new=new, change=change)
