"""The actions a role can grant, and the roles the platform starts with.

Each app adds its own actions to ``ACTIONS``, with a Chinese label, and names the roles that get
them by default in ``ROLES`` below. Codes are ``<object>.<verb>``;
``restrict(queryset, user, action)`` takes one of them.

Roles are data: ``minzheng.accounts.services.seed_roles`` creates each role of ``ROLES`` once and
afterwards only adds actions newly listed here; an action an administrator removed in the UI
stays removed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ACTIONS: dict[str, str | Promise] = {
    "division.view": _("查看行政区划"),
    "division.change": _("维护区划变更"),
    "orgunit.view": _("查看机构"),
    "orgunit.manage": _("新增和维护机构"),
    "user.manage": _("管理用户与授权"),
    "role.manage": _("维护角色权限（须全市范围）"),
    "apitoken.manage": _("签发和吊销接口令牌"),
    "audit.view": _("查看审计日志"),
    "dashboard.view": _("查看督查汇总"),
    "pii.view_full": _("查看完整个人信息（须说明用途）"),
    "household.view": _("查看家庭信息"),
    "household.edit": _("登记和维护家庭信息"),
    "registry.import": _("导入部门数据（数据归集）"),
    "monitoring.view": _("查看动态监测与预警"),
    "monitoring.run": _("发起监测评估"),
    "alert.handle": _("核查和处置预警"),
    "report.create": _("报告困难线索（发现报告）"),
    "case.view": _("查看救助案件"),
    "case.work": _("办理救助案件（受理、核对、入户、初审、公示、转介）"),
    "case.decide": _("审核确认救助案件"),
    "referral.answer": _("答复转介给本单位的事项"),
    "payment.export": _("导出救助金发放名册"),
}


@dataclass(frozen=True)
class RoleDefinition:
    """A role the platform seeds: its code, Chinese name, what it is for, and default actions."""

    code: str
    name: str
    description: str
    actions: tuple[str, ...]
    requires_two_factor: bool = False


ROLES: tuple[RoleDefinition, ...] = (
    RoleDefinition(
        "village_helper",
        "村(社区)协理员",
        "本村(社区)的困难线索上报与入户调查协助。",
        ("division.view", "orgunit.view", "household.view", "case.view", "report.create"),
    ),
    RoleDefinition(
        "township_worker",
        "乡镇(街道)民政服务站工作人员",
        "本乡镇(街道)的申请受理、调查核实、初审、公示与转介。",
        (
            "division.view",
            "orgunit.view",
            "household.view",
            "household.edit",
            "pii.view_full",
            "case.view",
            "case.work",
            "monitoring.view",
            "alert.handle",
            "report.create",
        ),
    ),
    RoleDefinition(
        "county_officer",
        "区县民政局审核人员",
        "本区县的审核确认，督导乡镇(街道)工作，联合体管理。",
        (
            "division.view",
            "orgunit.view",
            "household.view",
            "pii.view_full",
            "dashboard.view",
            "registry.import",
            "case.view",
            "case.decide",
            "payment.export",
            "monitoring.view",
            "monitoring.run",
        ),
        requires_two_factor=True,
    ),
    RoleDefinition(
        "city_department",
        "市局处室",
        "全市范围、本业务条线：项目、政策、参数与协同事项。",
        (
            "division.view",
            "orgunit.view",
            "household.view",
            "dashboard.view",
            "registry.import",
            "case.view",
            "monitoring.view",
            "monitoring.run",
        ),
        requires_two_factor=True,
    ),
    RoleDefinition(
        "partner_agency",
        "协同部门",
        "只处理转介给本部门的事项，报送本部门数据。",
        ("division.view", "registry.import", "referral.answer"),
    ),
    RoleDefinition(
        "social_org",
        "社会组织/慈善组织",
        "只查看经当事人同意向本组织发布的需求，承接对接并反馈结果。",
        ("division.view", "referral.answer"),
    ),
    RoleDefinition(
        "leadership",
        "领导小组",
        "只看汇总数据：督查驾驶舱。",
        ("division.view", "dashboard.view"),
        requires_two_factor=True,
    ),
    RoleDefinition(
        "admin",
        "系统管理员",
        "机构、用户、角色、授权与接口令牌的配置。",
        (
            "division.view",
            "division.change",
            "orgunit.view",
            "orgunit.manage",
            "user.manage",
            "role.manage",
            "apitoken.manage",
        ),
        requires_two_factor=True,
    ),
    RoleDefinition(
        "auditor",
        "审计员",
        "查阅审计日志与个人信息访问记录。",
        ("division.view", "orgunit.view", "audit.view"),
        requires_two_factor=True,
    ),
)

ROLE_CODES: tuple[str, ...] = tuple(r.code for r in ROLES)
