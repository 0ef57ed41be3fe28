"""Payments: one row per approved case and month — together, the county's monthly payment roll."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minzheng.cases.models.case import Case


class Payment(models.Model):
    """The amount due to a household for one month under one case (发放名册的一行)."""

    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="payments"
    )
    month = models.DateField(_("发放月份"), help_text=_("该月 1 日"))
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    programmes = models.JSONField(_("救助项目"), default=list, blank=True)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("生成人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    scope_division_path = "case__division__path"

    class Meta:
        verbose_name = _("救助金发放")
        verbose_name_plural = _("救助金发放")
        ordering = ["month", "case"]
        constraints = [
            models.UniqueConstraint(fields=["case", "month"], name="payment_one_per_case_month"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="payment_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.month:%Y-%m} {self.amount}"

    def clean(self) -> None:
        if self.month is not None and self.month.day != 1:
            raise ValidationError({"month": _("发放月份须为该月 1 日。")})
