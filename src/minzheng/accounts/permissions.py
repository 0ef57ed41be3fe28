"""The actions a role can grant. Each app adds its own actions here, with a Chinese label.

Codes are ``<object>.<verb>``; ``restrict(queryset, user, action)`` takes one of them.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ACTIONS: dict[str, str | Promise] = {
    "division.view": _("查看行政区划"),
    "division.change": _("维护区划变更"),
    "orgunit.view": _("查看机构"),
    "user.manage": _("管理用户、角色与授权"),
    "audit.view": _("查看审计日志"),
    "dashboard.view": _("查看督查汇总"),
    "pii.view_full": _("查看完整个人信息（须说明用途）"),
}
