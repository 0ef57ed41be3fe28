"""Policy parameters: the dated values the rules engine reads, each with its source.

The YAML seed files in ``minzheng/engine/parameters`` are the reviewed starting point; the rows here
are the truth at run time (``selectors.parameter_snapshot``). A value that is not known is stored as
``value = null``: the engine then answers ``unknown`` for every rule that needs it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Parameter(models.Model):
    """A named policy parameter (``dibao.standard.urban``) with its unit and meaning."""

    name = models.CharField(_("参数名"), max_length=120, unique=True)
    description = models.CharField(_("说明"), max_length=300, blank=True, default="")
    unit = models.CharField(_("单位"), max_length=40)

    class Meta:
        verbose_name = _("政策参数")
        verbose_name_plural = _("政策参数")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ParameterValue(models.Model):
    """One dated value of a parameter, city-wide or for one division, with its source document."""

    class Tag(models.TextChoices):
        GOVERNMENT = "G", _("政府文件")
        MEDIA = "M", _("主流媒体")
        REPEATED = "K", _("广泛引用，待核实")
        PLATFORM = "P", _("平台设置")

    parameter = models.ForeignKey(
        Parameter, verbose_name=_("参数"), on_delete=models.PROTECT, related_name="values"
    )
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True)
    division_code = models.CharField(
        _("适用区划代码"), max_length=12, blank=True, default="", help_text=_("空为全市")
    )
    # JSON: a decimal as a string, a whole number, a list of kinds, or null (not known).
    value = models.JSONField(_("数值"), null=True, blank=True)
    source = models.CharField(_("来源文件"), max_length=300, blank=True, default="")
    article = models.CharField(_("条款"), max_length=200, blank=True, default="")
    tag = models.CharField(_("来源类别"), max_length=1, choices=Tag.choices, default=Tag.REPEATED)
    verified = models.BooleanField(_("已核实"), default=False)
    note = models.TextField(_("备注"), blank=True, default="")

    class Meta:
        verbose_name = _("参数值")
        verbose_name_plural = _("参数值")
        ordering = ["parameter__name", "division_code", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["parameter", "division_code", "effective_from"],
                name="policy_parametervalue_unique_date",
            ),
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True)
                | models.Q(effective_to__gte=models.F("effective_from")),
                name="policy_parametervalue_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        where = self.division_code or "city"
        return f"{self.parameter.name} @ {where} from {self.effective_from}: {self.value}"


# The one ``ParameterRevision`` row (migration ``0002`` creates it).
REVISION_PK = 1


class ParameterRevision(models.Model):
    """One row whose token changes whenever a parameter or one of its values is saved or
    deleted (``receivers``), in the same transaction: readers keep the parameters they read
    under the token and read them again only when it differs. A random token, not a counter,
    so that a change rolled back and another one made never share a token."""

    token = models.CharField(_("版本标识"), max_length=32)

    class Meta:
        verbose_name = _("参数版本")
        verbose_name_plural = _("参数版本")

    def __str__(self) -> str:
        return self.token
