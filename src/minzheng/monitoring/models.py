"""Dynamic monitoring (动态监测): screening runs, the alerts they raise, and reports from people.

A ``ScreeningRun`` evaluates the registry snapshot with the parameters in force on its date and
records what it found. Each finding becomes an ``Alert`` for the household's township station with
a verification deadline (限时核查). A household has at most one active alert of each kind: the next
run updates it (score, reasons, last seen) instead of adding another, and closes a discovery or
exit-review alert whose condition no longer holds. A ``HardshipReport`` (发现报告) is a person's
report of a household in hardship; it raises an alert too.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minzheng.accounts.models import BusinessLine


class ScreeningRun(models.Model):
    """One evaluation of the whole registry, scheduled (nightly) or started by a person."""

    class Trigger(models.TextChoices):
        SCHEDULED = "scheduled", _("定时")
        MANUAL = "manual", _("手动")

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("运行中")
        SUCCEEDED = "succeeded", _("已完成")
        FAILED = "failed", _("失败")

    as_of = models.DateField(_("评估日期"))
    trigger = models.CharField(_("触发方式"), max_length=10, choices=Trigger.choices)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    duration_seconds = models.FloatField(_("耗时（秒）"), null=True, blank=True)
    # {"snapshot": s, "evaluate": s, "findings": s, "alerts": s}
    timings = models.JSONField(_("分步耗时"), default=dict, blank=True)
    parameters_digest = models.CharField(_("参数摘要"), max_length=64, blank=True, default="")
    # {name: value} of every parameter in force on ``as_of`` (city-wide), and the division
    # overrides {name: {division: value}}.
    parameters = models.JSONField(_("所用参数"), default=dict, blank=True)
    platform_settings = models.JSONField(_("平台设置"), default=dict, blank=True)
    population = models.JSONField(_("人口规模"), default=dict, blank=True)  # rows per table
    # {programme: {status: n}} subjects per programme and status
    counts = models.JSONField(_("评估结果统计"), default=dict, blank=True)
    # {kind: n} for created / updated / closed
    alerts_created = models.JSONField(_("新增预警"), default=dict, blank=True)
    alerts_updated = models.JSONField(_("更新预警"), default=dict, blank=True)
    alerts_closed = models.JSONField(_("关闭预警"), default=dict, blank=True)
    previous = models.ForeignKey(
        "self",
        verbose_name=_("上一次评估"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # {"newly_eligible": {programme: n}, "no_longer_eligible": {programme: n},
    #  "newly_eligible_households": n, "no_longer_eligible_households": n}
    comparison = models.JSONField(_("与上次比较"), default=dict, blank=True)
    error = models.TextField(_("错误信息"), blank=True, default="")

    class Meta:
        verbose_name = _("监测评估")
        verbose_name_plural = _("监测评估")
        ordering = ["-created_at", "-id"]
        constraints = [
            # The nightly run happens once a day however many workers look at the clock.
            models.UniqueConstraint(
                fields=["as_of"],
                condition=models.Q(trigger="scheduled"),
                name="screening_run_one_scheduled_per_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.as_of} #{self.pk}"

    @property
    def alerts_created_total(self) -> int:
        return sum(self.alerts_created.values())

    @property
    def alerts_updated_total(self) -> int:
        return sum(self.alerts_updated.values())

    @property
    def alerts_closed_total(self) -> int:
        return sum(self.alerts_closed.values())


class Alert(models.Model):
    """A signal that needs a person to look: found by a run, or reported by someone."""

    class Kind(models.TextChoices):
        DISCOVERY = "discovery", _("主动发现")
        EXIT_REVIEW = "exit_review", _("退出复核")
        RISK = "risk", _("风险预警")

    class Status(models.TextChoices):
        OPEN = "open", _("待核查")
        IN_VERIFICATION = "in_verification", _("核查中")
        CONVERTED = "converted_to_case", _("已转为案件")
        DISMISSED = "dismissed", _("已排除")
        CLOSED = "closed", _("已关闭")

    class Source(models.TextChoices):
        SCREENING = "screening", _("监测评估")
        REPORT = "report", _("发现报告")

    kind = models.CharField(_("预警类型"), max_length=12, choices=Kind.choices)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.OPEN)
    source = models.CharField(
        _("来源"), max_length=10, choices=Source.choices, default=Source.SCREENING
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("家庭"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The village of the household (or of the reported person not yet registered).
    division = models.ForeignKey(
        "divisions.Division",
        verbose_name=_("所在村(社区)"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    scope_path = models.CharField(_("所属范围"), max_length=100, db_index=True)
    business_line = models.CharField(
        _("业务条线"),
        max_length=24,
        choices=BusinessLine.choices,
        default=BusinessLine.SOCIAL_ASSISTANCE,
    )
    station = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("负责服务站"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    programmes = models.JSONField(_("涉及救助项目"), default=list, blank=True)
    score = models.PositiveSmallIntegerField(_("预警分值"), default=0)
    # [{"code": "dibao:eligible", "text": "符合低保条件但未纳入"}, ...]
    reasons = models.JSONField(_("预警原因"), default=list, blank=True)
    # Values that back the reasons (income per person, standard, amounts), for the alert page.
    facts = models.JSONField(_("关键数据"), default=dict, blank=True)
    raised_on = models.DateField(_("预警日期"))
    deadline = models.DateField(_("核查时限"), db_index=True)
    first_seen_run = models.ForeignKey(
        ScreeningRun,
        verbose_name=_("首次发现"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    last_seen_run = models.ForeignKey(
        ScreeningRun,
        verbose_name=_("最近发现"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    verification_started_at = models.DateTimeField(_("开始核查时间"), null=True, blank=True)
    verification_started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核查人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办结人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolution_reason = models.TextField(_("排除或关闭原因"), blank=True, default="")
    # The case this alert became (cases own the case; monitoring only keeps its id).
    case_id = models.PositiveBigIntegerField(_("案件编号"), null=True, blank=True)

    scope_division_path = "scope_path"
    scope_business_line = "business_line"

    ACTIVE = (Status.OPEN, Status.IN_VERIFICATION, Status.CONVERTED)
    OPEN_STATUSES = (Status.OPEN, Status.IN_VERIFICATION)

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        ordering = ["deadline", "-score", "id"]
        constraints = [
            # One active alert per household and kind; a converted alert stays the active one
            # until its case closes it, so the nightly run does not raise a second.
            models.UniqueConstraint(
                fields=["household", "kind"],
                condition=models.Q(status__in=["open", "in_verification", "converted_to_case"]),
                name="alert_one_active_per_household_kind",
            ),
            models.CheckConstraint(condition=models.Q(score__lte=100), name="alert_score_0_to_100"),
            models.CheckConstraint(
                condition=~models.Q(status="dismissed") | ~models.Q(resolution_reason=""),
                name="alert_dismissed_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "deadline"], name="alert_status_deadline"),
            models.Index(fields=["kind", "status"], name="alert_kind_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def is_overdue(self, today: object = None) -> bool:
        """Open (or in verification) past its deadline."""
        day = today or timezone.localdate()
        return self.is_open and self.deadline < day  # type: ignore[operator]

    @property
    def reason_texts(self) -> list[str]:
        return [str(r.get("text", r.get("code", ""))) for r in self.reasons]


class HardshipReport(models.Model):
    """发现报告: someone reports a household (or a person not yet registered) in hardship."""

    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报告人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("家庭"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    person_name = models.CharField(_("姓名"), max_length=60, blank=True, default="")
    # The ID number when given: encrypted, with the keyed hash and the masked copy (as the
    # registry keeps them).
    id_number_encrypted = models.TextField(_("身份证号码（密文）"), blank=True, default="")
    id_number_hash = models.CharField(_("身份证号码索引"), max_length=64, blank=True, default="")
    id_number_masked = models.CharField(_("身份证号码"), max_length=18, blank=True, default="")
    division = models.ForeignKey(
        "divisions.Division",
        verbose_name=_("所在村(社区)"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    scope_path = models.CharField(_("所属范围"), max_length=100, db_index=True)
    description = models.TextField(_("困难情况"))
    contact = models.CharField(_("联系方式"), max_length=60, blank=True, default="")
    alert = models.ForeignKey(
        Alert,
        verbose_name=_("预警"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
    )
    created_at = models.DateTimeField(_("报告时间"), default=timezone.now)

    scope_division_path = "scope_path"

    class Meta:
        verbose_name = _("发现报告")
        verbose_name_plural = _("发现报告")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(household__isnull=False) | ~models.Q(person_name=""),
                name="hardship_report_names_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"发现报告 #{self.pk}"
