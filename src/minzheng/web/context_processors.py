"""What every page's shell needs: the navigation the user may reach, and the platform name."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from minzheng.web.navigation import menu_for

PLATFORM_NAME = _("民政协同增效平台")


def _current(path: str, urls: list[str]) -> str:
    """The menu URL this page belongs to: the longest one ``path`` starts with ("/" only alone)."""
    matches = [url for url in urls if path == url or (url != "/" and path.startswith(url))]
    return max(matches, key=len, default="")


def shell(request: HttpRequest) -> dict[str, Any]:
    items = menu_for(request.user)
    current = _current(request.path, [item["url"] for item in items])
    return {
        "nav_items": [{**item, "active": item["url"] == current} for item in items],
        "platform_name": PLATFORM_NAME,
    }
