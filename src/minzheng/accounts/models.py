"""Organisations, users, roles and their scope.

A user acts through role assignments: each grants one role's actions over one division subtree,
optionally narrowed to one business line. ``minzheng.accounts.scope.restrict`` is the one place that
turns assignments into what a user may see.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class BusinessLine(models.TextChoices):
    """The civil-affairs business lines a scope can be narrowed to."""

    SOCIAL_ASSISTANCE = "social_assistance", _("社会救助")
    ELDERLY_CARE = "elderly_care", _("养老服务")
    CHILD_WELFARE = "child_welfare", _("儿童福利")
    SOCIAL_AFFAIRS = "social_affairs", _("社会事务")
    SOCIAL_ORGANIZATIONS = "social_organizations", _("社会组织")
    CHARITY = "charity", _("慈善事业和社会工作")
    PLACE_NAMES = "place_names", _("区划地名")


class OrgUnit(models.Model):
    """An organisation that takes part: a bureau, a department, a station, an agency, a charity."""

    class Kind(models.TextChoices):
        CITY_BUREAU = "city_bureau", _("市民政局")
        DEPARTMENT = "department", _("处(科)室")
        AFFILIATED_UNIT = "affiliated_unit", _("直属单位")
        COUNTY_BUREAU = "county_bureau", _("区县民政局")
        SERVICE_STATION = "service_station", _("乡镇(街道)民政服务站")
        VILLAGE_COMMITTEE = "village_committee", _("村(社区)委员会")
        PARTNER_AGENCY = "partner_agency", _("协同部门")
        SOCIAL_ORGANIZATION = "social_organization", _("社会组织")
        CHARITY = "charity", _("慈善组织")

    code = models.CharField(_("机构编码"), max_length=40, unique=True)
    name = models.CharField(_("机构名称"), max_length=120)
    kind = models.CharField(_("机构类型"), max_length=24, choices=Kind.choices)
    division = models.ForeignKey(
        "divisions.Division",
        verbose_name=_("所在区划"),
        on_delete=models.PROTECT,
        related_name="org_units",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    business_line = models.CharField(
        _("业务条线"), max_length=24, choices=BusinessLine.choices, blank=True, default=""
    )
    closed_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    scope_division_path = "division__path"

    class Meta:
        verbose_name = _("机构")
        verbose_name_plural = _("机构")
        ordering = ["division__path", "kind", "name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in. ``full_name`` is the Chinese name shown everywhere."""

    full_name = models.CharField(_("姓名"), max_length=60, blank=True, default="")
    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("所在机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    phone = models.CharField(_("联系电话"), max_length=20, blank=True, default="")

    # An administrator sees the users of the org units inside their scope.
    scope_division_path = "org_unit__division__path"

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.full_name or self.username


class Role(models.Model):
    """A named set of actions. Permissions are data: administrators edit ``actions`` in the UI.

    ``actions`` holds codes from ``minzheng.accounts.permissions.ACTIONS``.
    """

    code = models.SlugField(_("角色编码"), max_length=40, unique=True)
    name = models.CharField(_("角色名称"), max_length=60)
    description = models.TextField(_("说明"), blank=True, default="")
    actions = models.JSONField(_("权限"), default=list, blank=True)
    requires_two_factor = models.BooleanField(_("须双因素认证"), default=False)
    # The default actions already handed out by ``seed_roles``: a default added later in code
    # reaches the role once; one an administrator removed is not handed out again.
    seeded_actions = models.JSONField(_("已下发的默认权限"), default=list, blank=True)

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class RoleAssignment(models.Model):
    """A user holds a role over a division subtree, optionally for one business line only."""

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.PROTECT, related_name="assignments"
    )
    role = models.ForeignKey(
        Role, verbose_name=_("角色"), on_delete=models.PROTECT, related_name="assignments"
    )
    division = models.ForeignKey(
        "divisions.Division",
        verbose_name=_("管辖区划"),
        on_delete=models.PROTECT,
        related_name="role_assignments",
    )
    business_line = models.CharField(
        _("业务条线"), max_length=24, choices=BusinessLine.choices, blank=True, default=""
    )
    created_at = models.DateTimeField(_("授权时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("收回时间"), null=True, blank=True)

    scope_division_path = "division__path"
    scope_business_line = "business_line"

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        ordering = ["user", "role"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closed_at__isnull=True)
                | models.Q(closed_at__gte=models.F("created_at")),
                name="roleassignment_closed_after_created",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.role} · {self.division.name}"


class ApiToken(models.Model):
    """A bearer token with which a partner system calls the API as one user.

    Only the SHA-256 of the token is stored; the token itself is shown once, when issued.
    ``prefix`` (its first characters) lets people tell tokens apart.
    """

    name = models.CharField(_("用途"), max_length=80)
    user = models.ForeignKey(
        User, verbose_name=_("代表账号"), on_delete=models.PROTECT, related_name="api_tokens"
    )
    prefix = models.CharField(_("令牌前缀"), max_length=16)
    token_hash = models.CharField(_("令牌哈希"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        User,
        verbose_name=_("签发人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    scope_division_path = "user__org_unit__division__path"

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(token_hash__regex=r"^[0-9a-f]{64}$"),
                name="apitoken_hash_is_sha256_hex",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"
