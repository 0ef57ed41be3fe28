"""Referrals (转介): a case hands a need to a partner agency or a charity, and gets an outcome back.

The receiving unit's users see only what is referred to them: ``restrict(…, "referral.answer")``
narrows by ``to_org_unit`` (``scope_org_unit``); the case's own workers see a case's referrals
through the case's division (``case.view``). Status changes go through
``minzheng.cases.workflow.apply_referral_transition`` only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minzheng.cases.models.case import Case, CaseDocument


class Referral(models.Model):
    """A hand-off from a case to another unit, tracked to its outcome."""

    class Kind(models.TextChoices):
        MEDICAL = "medical", _("医疗救助")
        EDUCATION = "education", _("教育救助")
        HOUSING = "housing", _("住房救助")
        EMPLOYMENT = "employment", _("就业救助")
        CHARITY = "charity", _("慈善帮扶")
        SOCIAL_SERVICE = "social_service", _("社会工作服务")

    class Status(models.TextChoices):
        SENT = "sent", _("已转介")
        ACCEPTED = "accepted", _("已接收")
        IN_PROGRESS = "in_progress", _("办理中")
        DONE = "done", _("已办结")
        DECLINED = "declined", _("已退回")
        WITHDRAWN = "withdrawn", _("已撤回")

    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="referrals"
    )
    to_org_unit = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("接收单位"),
        on_delete=models.PROTECT,
        related_name="referrals_received",
    )
    kind = models.CharField(_("转介事项"), max_length=16, choices=Kind.choices)
    need = models.TextField(_("需求说明"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.SENT)
    version = models.PositiveIntegerField(_("版本"), default=1)
    sent_at = models.DateTimeField(_("转介时间"), default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("转介人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_on = models.DateField(_("办理期限"))
    # A charity or social organisation receives personal data only with the household's consent.
    consent_document = models.ForeignKey(
        CaseDocument,
        verbose_name=_("同意书"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    consent_note = models.CharField(_("同意情况说明"), max_length=200, blank=True, default="")
    outcome = models.TextField(_("办理结果"), blank=True, default="")
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("答复人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    escalated_at = models.DateTimeField(_("逾期上报时间"), null=True, blank=True)

    scope_division_path = "case__division__path"
    # The receiving unit sees only what is referred to it (see accounts.scope).
    scope_org_unit = "to_org_unit"
    scope_org_unit_actions = ("referral.answer",)

    OPEN_STATUSES = ("sent", "accepted", "in_progress")

    class Meta:
        verbose_name = _("转介")
        verbose_name_plural = _("转介")
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="referral_version_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["done", "declined", "withdrawn"])
                | ~models.Q(outcome=""),
                name="referral_finished_has_outcome",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="referral_open_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.to_org_unit}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class ReferralEvent(models.Model):
    """One status change of a referral: who, when, from → to, and the text given."""

    referral = models.ForeignKey(
        Referral, verbose_name=_("转介"), on_delete=models.PROTECT, related_name="events"
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    transition = models.CharField(_("操作"), max_length=32)
    from_status = models.CharField(
        _("原状态"), max_length=12, choices=Referral.Status.choices, blank=True, default=""
    )
    to_status = models.CharField(_("新状态"), max_length=12, choices=Referral.Status.choices)
    text = models.TextField(_("说明"), blank=True, default="")
    version = models.PositiveIntegerField(_("办理后版本"))

    scope_division_path = "referral__case__division__path"

    class Meta:
        verbose_name = _("转介办理记录")
        verbose_name_plural = _("转介办理记录")
        ordering = ["referral", "at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "version"], name="referralevent_one_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.referral_id}: {self.from_status} → {self.to_status}"
