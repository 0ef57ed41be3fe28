"""What the case services share: dates by month, who may act where, and the case's subject."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied

from minzheng.accounts.scope import can_at


def month_start(day: dt.date) -> dt.date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` calendar months (the 31st becomes the month's last day)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def ensure_may(by: Any, action: str, division: Any) -> None:
    """Refuse unless ``by`` holds ``action`` over ``division`` (``None`` is the system itself)."""
    if by is None:
        return
    if not can_at(by, action, division):
        raise PermissionDenied(f"{by} may not {action} in {division}")


def subject_key(household: Any) -> str:
    """The keyed hash of the household head's ID number, for the audit trail's subject index."""
    head = getattr(household, "head", None)
    return getattr(head, "id_number_hash", "") if head is not None else ""
