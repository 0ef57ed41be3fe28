"""The division tree (行政区划) and its history.

Codes are never reused and rows are never deleted: a retired division keeps its code, its name
and its place in the tree as it was, and points to its successor. ``path`` is the chain of codes
from the city down to the division; because a township can move to another county (keeping its
code), the tree is read through ``path``, never through code prefixes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Division(models.Model):
    """One administrative division: city, county level, township level or village level."""

    class Level(models.TextChoices):
        CITY = "city", _("市")
        COUNTY = "county", _("区县")
        TOWNSHIP = "township", _("乡镇(街道)")
        VILLAGE = "village", _("村(社区)")

    class AreaType(models.TextChoices):
        URBAN = "urban", _("城市")
        RURAL = "rural", _("农村")

    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("路径"), max_length=100, unique=True)
    area_type = models.CharField(
        _("城乡类型"), max_length=5, choices=AreaType.choices, blank=True, default=""
    )
    area_type_overridden = models.BooleanField(_("城乡类型已人工调整"), default=False)
    valid_from = models.DateField(_("生效日期"), null=True, blank=True)
    valid_to = models.DateField(_("撤销日期"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("承继区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
    )

    scope_division_path = "path"

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level="city")
                | models.Q(level="county", code__regex=r"^[0-9]{6}$")
                | models.Q(level="township", code__regex=r"^[0-9]{9}$")
                | models.Q(level="village", code__regex=r"^[0-9]{12}$"),
                name="division_code_digits_match_level",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def is_active(self) -> bool:
        return self.valid_to is None


class DivisionVersion(models.Model):
    """A division's parent and name over a period: the history that ``as_of`` reads use.

    ``valid_from`` None means "since before the platform's records" (the loaded reference data);
    ``valid_to`` None means "still so today". ``valid_to`` is the first day the version no longer
    holds, i.e. the effective date of the change that ended it.
    """

    division = models.ForeignKey(
        Division,
        verbose_name=_("行政区划"),
        on_delete=models.PROTECT,
        related_name="versions",
    )
    parent = models.ForeignKey(
        Division,
        verbose_name=_("上级区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("名称"), max_length=100)
    valid_from = models.DateField(_("起始日期"), null=True, blank=True)
    valid_to = models.DateField(_("截止日期"), null=True, blank=True)
    change = models.ForeignKey(
        "DivisionChange",
        verbose_name=_("所依据的区划变更"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="versions",
    )

    class Meta:
        verbose_name = _("区划沿革")
        verbose_name_plural = _("区划沿革")
        # The first version of loaded data has no start date: it sorts first on every database.
        ordering = ["division", models.F("valid_from").asc(nulls_first=True)]
        constraints = [
            models.UniqueConstraint(
                fields=["division"],
                condition=models.Q(valid_to__isnull=True),
                name="division_version_one_open_per_division",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=True)
                | models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gt=models.F("valid_from")),
                name="division_version_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.valid_from or '…'}–{self.valid_to or '…'}"


class DivisionChange(models.Model):
    """A change to the division tree with its legal basis and effective date (区划变更).

    Recorded as a draft with its items, reviewed, then applied once by ``change_apply``. An
    applied change is never edited again: a correction is another change.
    """

    class Kind(models.TextChoices):
        MERGE = "merge", _("合并")
        RENAME = "rename", _("更名")
        TRANSFER = "transfer", _("隶属调整")
        RETIRE = "retire", _("撤销")
        CREATE = "create", _("新设")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        APPLIED = "applied", _("已实施")

    kind = models.CharField(_("变更类型"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=200)
    approved_on = models.DateField(_("批准日期"), null=True, blank=True)
    effective_on = models.DateField(_("生效日期"))
    document = models.CharField(_("批准文件"), max_length=200, blank=True, default="")
    doc_number = models.CharField(_("文号"), max_length=60, blank=True, default="")
    description = models.TextField(_("说明"), blank=True, default="")
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("实施人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    applied_at = models.DateTimeField(_("实施时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("区划变更")
        verbose_name_plural = _("区划变更")
        ordering = ["-effective_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="draft")
                | models.Q(applied_at__isnull=False, applied_by__isnull=False),
                name="division_change_applied_has_who_and_when",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.effective_on}）"


class DivisionChangeItem(models.Model):
    """One step of a change: create a unit, rename one, move one under a new parent, retire one.

    A unit created by the same change is referred to by its ``key`` (``parent_key``,
    ``successor_key``) because its code is only entered by the administrator who applies the
    change. After application ``division`` points at the unit acted on (the created one too).
    """

    class Operation(models.TextChoices):
        CREATE = "create", _("新设")
        RENAME = "rename", _("更名")
        TRANSFER = "transfer", _("隶属调整")
        RETIRE = "retire", _("撤销")

    change = models.ForeignKey(
        DivisionChange,
        verbose_name=_("区划变更"),
        on_delete=models.PROTECT,
        related_name="items",
    )
    position = models.PositiveIntegerField(_("顺序"))
    operation = models.CharField(_("操作"), max_length=10, choices=Operation.choices)
    division = models.ForeignKey(
        Division,
        verbose_name=_("行政区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="change_items",
    )
    key = models.SlugField(_("新设单位标识"), max_length=40, blank=True, default="")
    new_code = models.CharField(_("新设单位代码"), max_length=12, blank=True, default="")
    name = models.CharField(_("名称"), max_length=100, blank=True, default="")
    level = models.CharField(
        _("层级"), max_length=10, choices=Division.Level.choices, blank=True, default=""
    )
    parent = models.ForeignKey(
        Division,
        verbose_name=_("新上级区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    parent_key = models.SlugField(_("新上级（本次新设）"), max_length=40, blank=True, default="")
    old_parent = models.ForeignKey(
        Division,
        verbose_name=_("原上级区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    old_name = models.CharField(_("原名称"), max_length=100, blank=True, default="")
    successor = models.ForeignKey(
        Division,
        verbose_name=_("承继区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    successor_key = models.SlugField(
        _("承继区划（本次新设）"), max_length=40, blank=True, default=""
    )

    class Meta:
        verbose_name = _("区划变更事项")
        verbose_name_plural = _("区划变更事项")
        ordering = ["change", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["change", "position"], name="division_change_item_unique_position"
            ),
            models.CheckConstraint(
                condition=~models.Q(operation="create") | ~models.Q(key=""),
                name="division_change_item_create_has_key",
            ),
            models.CheckConstraint(
                condition=models.Q(operation="create") | models.Q(division__isnull=False),
                name="division_change_item_names_its_division",
            ),
        ]

    def __str__(self) -> str:
        target = self.division.name if self.division is not None else self.name
        return f"{self.get_operation_display()} {target}"
