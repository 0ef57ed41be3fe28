"""Template tags for the accounts pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import template

from minzheng.accounts import selectors
from minzheng.accounts.scope import can
from minzheng.accounts.selectors import Lockout

register = template.Library()


@register.simple_tag
def lockout_of(username: str) -> Lockout | None:
    """The current lockout of ``username`` (with ``retry_at``), or None."""
    return selectors.lockout_of(username or "")


@register.filter
def minutes(value: timedelta | None) -> int:
    """Whole minutes of a timedelta."""
    return int(value.total_seconds() // 60) if value else 0


@register.simple_tag(takes_context=True)
def may(context: dict[str, Any], action: str) -> bool:
    """Whether the signed-in user holds ``action`` anywhere: ``{% may "user.manage" as m %}``."""
    request = context.get("request")
    return request is not None and can(request.user, action)


@register.filter
def event_label(action: str) -> str:
    """``{{ event.action|event_label }}``: the Chinese name of an accounts audit event."""
    return selectors.event_label(action)
