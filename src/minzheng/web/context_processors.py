"""What every page's shell needs: the navigation the user may reach, and the platform name."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from minzheng.web.navigation import menu_for


def shell(request: HttpRequest) -> dict[str, Any]:
    return {"nav_items": menu_for(request.user), "platform_name": "民政协同增效平台"}
