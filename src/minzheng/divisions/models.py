"""The division tree (行政区划) and its history.

Codes are never reused and rows are never deleted: a retired division keeps its code, its name
and its place in the tree as it was, and points to its successor. ``path`` is the chain of codes
from the city down to the division; because a township can move to another county (keeping its
code), the tree is read through ``path``, never through code prefixes.
"""

from __future__ import annotations

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
