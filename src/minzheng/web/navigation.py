"""The main menu. Each app adds its entries here: label, URL name, and the action it needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from minzheng.accounts.scope import can


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    action: str | None  # None: every signed-in user
    icon: str = ""


NAV: list[NavItem] = [
    NavItem(_("工作台"), "web:home", None, "house"),
    NavItem(_("家庭信息"), "registry:household_list", "household.view", "house-heart"),
    NavItem(_("数据归集"), "registry:import_list", "registry.import", "cloud-upload"),
    NavItem(_("预警核查"), "monitoring:alert_list", "monitoring.view", "bell"),
    NavItem(_("监测评估"), "monitoring:run_list", "monitoring.view", "activity"),
    NavItem(_("发现报告"), "monitoring:report_new", "report.create", "megaphone"),
    NavItem(_("救助案件"), "cases:worklist", "case.view", "signpost-split"),
    NavItem(_("转介事项"), "cases:referral_list", "referral.answer", "send"),
    NavItem(_("闭环指标"), "cases:figures", "case.view", "funnel"),
    NavItem(_("行政区划"), "divisions:browser", "division.view", "diagram-3"),
    NavItem(_("机构"), "accounts:orgunit_list", "orgunit.view", "buildings"),
    NavItem(_("用户与授权"), "accounts:user_list", "user.manage", "people"),
    NavItem(_("审计日志"), "audit:event_list", "audit.view", "journal-check"),
]


def menu_for(user: Any) -> list[dict[str, str]]:
    """The entries ``user`` may open, resolved to URLs."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [
        {"label": str(item.label), "url": reverse(item.url_name), "icon": item.icon}
        for item in NAV
        if item.action is None or can(user, item.action)
    ]
