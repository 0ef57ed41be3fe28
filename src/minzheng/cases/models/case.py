"""A case (救助通办): one household, every programme it may need, worked from acceptance to its end.

Status changes only through ``minzheng.cases.workflow.apply_transition``, which checks the one
table of legal transitions, bumps ``version`` (optimistic concurrency), writes a ``CaseEvent``
and an audit event. Deadlines are rows (``CaseDeadline``) counted in working days.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Case(models.Model):
    """One application (or alert, referral, re-check) for one household, across programmes."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("待受理")
        AWAITING_DOCUMENTS = "awaiting_documents", _("待补齐材料")
        ACCEPTED = "accepted", _("已受理")
        CHECKING = "checking", _("经济状况核对")
        VISITING = "visiting", _("入户调查")
        TOWNSHIP_REVIEW = "township_review", _("乡镇初审")
        PUBLIC_NOTICE = "public_notice", _("公示中")
        COUNTY_DECISION = "county_decision", _("待审核确认")
        REFUSED = "refused", _("不予救助（待书面告知）")
        IN_PAYMENT = "in_payment", _("救助发放中")
        FOLLOW_UP = "follow_up", _("跟踪回访")
        EXITING = "exiting", _("渐退期")
        CLOSED = "closed", _("已办结")

    class Origin(models.TextChoices):
        WINDOW = "window", _("窗口申请")
        ALERT = "alert", _("监测预警")
        REFERRAL = "referral", _("部门转介")
        RECHECK = "recheck", _("定期复核")

    class Decision(models.TextChoices):
        APPROVED = "approved", _("予以救助")
        REFUSED = "refused", _("不予救助")

    class Recommendation(models.TextChoices):
        APPROVE = "approve", _("拟予救助")
        REFUSE = "refuse", _("拟不予救助")

    number = models.CharField(_("案件编号"), max_length=32, unique=True)
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("家庭"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    # The household's village when the case was opened (open cases follow a division change).
    division = models.ForeignKey(
        "divisions.Division",
        verbose_name=_("所在村(社区)"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    origin = models.CharField(_("案件来源"), max_length=10, choices=Origin.choices)
    origin_note = models.CharField(_("来源说明"), max_length=200, blank=True, default="")
    alert_id = models.BigIntegerField(_("来源预警"), null=True, blank=True)
    previous_case = models.ForeignKey(
        "self",
        verbose_name=_("上一案件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rechecks",
    )
    # Every programme the household asks for or may need (one-stop), engine programme names.
    programmes = models.JSONField(_("申请救助项目"), default=list, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.REGISTERED
    )
    version = models.PositiveIntegerField(_("版本"), default=1)

    opened_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    applicant_phone = models.CharField(_("联系电话"), max_length=20, blank=True, default="")
    # Said once, in full: the missing documents when the file was incomplete.
    missing_documents = models.JSONField(_("需补齐材料"), default=list, blank=True)
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)

    check_started_on = models.DateField(_("核对开始日期"), null=True, blank=True)
    check_summary = models.TextField(_("核对情况"), blank=True, default="")
    visit_notes = models.TextField(_("入户调查记录"), blank=True, default="")
    visited_on = models.DateField(_("入户日期"), null=True, blank=True)
    review_opinion = models.TextField(_("初审意见"), blank=True, default="")
    recommendation = models.CharField(
        _("初审结论"), max_length=8, choices=Recommendation.choices, blank=True, default=""
    )
    notice_starts_on = models.DateField(_("公示开始"), null=True, blank=True)
    notice_ends_on = models.DateField(_("公示结束"), null=True, blank=True)
    notice_objections = models.TextField(_("公示异议"), blank=True, default="")

    decision = models.CharField(
        _("审核确认结果"), max_length=8, choices=Decision.choices, blank=True, default=""
    )
    decided_on = models.DateField(_("审核确认日期"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核确认人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision_reasons = models.TextField(_("审核确认理由"), blank=True, default="")
    monthly_amount = models.DecimalField(
        _("月救助金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    # Programme by programme as the engine decided: [{programme, label, status, amount, ...}].
    approved_programmes = models.JSONField(_("核定救助项目"), default=list, blank=True)
    # The engine's explanation of each programme (JSON), with the parameters in force that day.
    explanation = models.JSONField(_("测算依据"), default=dict, blank=True)
    payment_start_month = models.DateField(_("发放起始月份"), null=True, blank=True)
    refusal_notified_on = models.DateField(_("不予救助告知日期"), null=True, blank=True)

    extended = models.BooleanField(_("已延长办理期限"), default=False)
    extension_reason = models.CharField(_("延期理由"), max_length=300, blank=True, default="")
    next_recheck_on = models.DateField(_("下次复核日期"), null=True, blank=True)
    exit_ends_on = models.DateField(_("渐退期截止"), null=True, blank=True)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    close_reason = models.CharField(_("办结说明"), max_length=300, blank=True, default="")

    scope_division_path = "division__path"

    class Meta:
        verbose_name = _("救助案件")
        verbose_name_plural = _("救助案件")
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["status"], name="case_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="case_version_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(monthly_amount__isnull=True) | models.Q(monthly_amount__gte=0),
                name="case_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(notice_ends_on__isnull=True)
                | models.Q(notice_ends_on__gte=models.F("notice_starts_on")),
                name="case_notice_ordered",
            ),
            # One open case per household: the one-stop case covers every programme.
            models.UniqueConstraint(
                fields=["household"],
                condition=~models.Q(status__in=["closed", "in_payment", "follow_up", "exiting"]),
                name="case_one_open_procedure_per_household",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class CaseEvent(models.Model):
    """One status change of a case: who, when, from → to, and why. Written only by the workflow."""

    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="events"
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
        _("原状态"), max_length=20, choices=Case.Status.choices, blank=True, default=""
    )
    to_status = models.CharField(_("新状态"), max_length=20, choices=Case.Status.choices)
    reason = models.TextField(_("说明"), blank=True, default="")
    data = models.JSONField(_("办理内容"), default=dict, blank=True)
    version = models.PositiveIntegerField(_("办理后版本"))

    scope_division_path = "case__division__path"

    class Meta:
        verbose_name = _("案件办理记录")
        verbose_name_plural = _("案件办理记录")
        ordering = ["case", "at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "version"], name="caseevent_one_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_status} → {self.to_status}"


class CaseDeadline(models.Model):
    """A time limit of a case, counted in working days (or calendar days for the notice)."""

    class Kind(models.TextChoices):
        MEANS_TEST_START = "means_test_start", _("开始家庭经济状况调查")
        DECISION = "decision", _("审核确认")
        REFUSAL_NOTICE = "refusal_notice", _("不予救助书面告知")
        OVERALL = "overall", _("全程办理")

    class Level(models.TextChoices):
        TOWNSHIP = "township", _("乡镇(街道)")
        COUNTY = "county", _("区县")

    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="deadlines"
    )
    kind = models.CharField(_("期限"), max_length=20, choices=Kind.choices)
    level = models.CharField(_("责任层级"), max_length=8, choices=Level.choices)
    starts_on = models.DateField(_("起算日期"))
    working_days = models.PositiveSmallIntegerField(_("期限（工作日）"))
    due_on = models.DateField(_("截止日期"))
    parameter = models.CharField(_("依据参数"), max_length=120, blank=True, default="")
    met_on = models.DateField(_("完成日期"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("已提醒"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("已上报区县"), null=True, blank=True)
    extension_reason = models.CharField(_("延期理由"), max_length=300, blank=True, default="")

    scope_division_path = "case__division__path"

    class Meta:
        verbose_name = _("办理期限")
        verbose_name_plural = _("办理期限")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind"], name="casedeadline_one_per_kind"),
            models.CheckConstraint(
                condition=models.Q(due_on__gte=models.F("starts_on")),
                name="casedeadline_due_after_start",
            ),
        ]
        indexes = [models.Index(fields=["met_on", "due_on"], name="casedeadline_open_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.due_on}"


class CaseDocument(models.Model):
    """A file attached to a case: signed authorisation, visit photo, consent, generated PDF …"""

    class Kind(models.TextChoices):
        APPLICATION = "application", _("申请材料")
        AUTHORISATION = "authorisation", _("家庭经济状况核对授权书")
        VISIT_PHOTO = "visit_photo", _("入户照片")
        VISIT_DOCUMENT = "visit_document", _("入户调查材料")
        CONSENT = "consent", _("信息共享同意书")
        GENERATED = "generated", _("系统生成文书")
        OTHER = "other", _("其他材料")

    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField(_("材料类型"), max_length=16, choices=Kind.choices)
    file = models.FileField(_("文件"), upload_to="cases/%Y/%m/", max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("文件摘要"), max_length=64)
    note = models.CharField(_("说明"), max_length=200, blank=True, default="")
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("作废时间"), null=True, blank=True)

    scope_division_path = "case__division__path"

    class Meta:
        verbose_name = _("案件材料")
        verbose_name_plural = _("案件材料")
        ordering = ["case", "uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sha256__regex=r"^[0-9a-f]{64}$"),
                name="casedocument_sha256_hex",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name


class WorkflowSettings(models.Model):
    """Platform settings of the case workflow that are not policy parameters (one row).

    The legal time limits (3 / 10 / 3 / 30 → 45 working days, the 7-day notice, re-check cycles,
    gradual exit) are policy parameters (``dibao.process.*``, ``dibao.recheck.*``,
    ``dibao.gradual_exit.months``); these are how the platform works with them.
    """

    reminder_working_days = models.PositiveSmallIntegerField(_("到期前提醒（工作日）"), default=2)
    referral_working_days = models.PositiveSmallIntegerField(
        _("转介默认办理期限（工作日）"), default=10
    )
    upload_max_mb = models.PositiveSmallIntegerField(_("上传文件大小上限（MB）"), default=10)
    daily_check_hour = models.PositiveSmallIntegerField(
        _("每日期限检查时间（时）"), default=3, help_text=_("本地时间，0–23；在夜间监测之后运行")
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("案件办理设置")
        verbose_name_plural = _("案件办理设置")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(upload_max_mb__gte=1), name="workflowsettings_upload_min"
            ),
            models.CheckConstraint(
                condition=models.Q(daily_check_hour__lte=23), name="workflowsettings_hour_0_23"
            ),
        ]

    def __str__(self) -> str:
        return str(_("案件办理设置"))

    @classmethod
    def current(cls) -> WorkflowSettings:
        """The settings row, or the defaults when none was saved."""
        return cls.objects.order_by("id").first() or cls()


class DailyCheckRun(models.Model):
    """One day's check (reminders, escalation, re-checks, exits, payments): claimed once a day."""

    day = models.DateField(_("日期"), unique=True)
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)

    class Meta:
        verbose_name = _("每日期限检查")
        verbose_name_plural = _("每日期限检查")
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day}"
