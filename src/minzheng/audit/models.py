"""The append-only, hash-chained audit trail.

Each ``AuditEvent`` carries the SHA-256 of its own content and of the event before it, so that an
edit or a deletion made behind the platform's back (raw SQL, a restored file) breaks the chain at
a place ``minzheng audit verify`` can name. Rows are written only by
``minzheng.audit.services.record_event``; Python refuses to update or delete them.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove an audit event through the ORM."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """A queryset that reads but never rewrites: update, delete and bulk writes are refused."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit events cannot be updated")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("audit events cannot be deleted")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit events cannot be updated")

    def bulk_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        # Bulk inserts would bypass the chain; every event goes through record_event.
        raise AppendOnlyError("audit events are appended one at a time by record_event")

    def update_or_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit events cannot be updated")


AuditEventManager = models.Manager.from_queryset(AuditEventQuerySet)


class AuditEvent(models.Model):
    """One change (or one view of personal data), chained to the one before by its hash.

    ``division_path`` is a snapshot of the division's path when the event was written (the city
    root for events with no division), so scope is applied without a join and stays as it was
    when the event happened.
    """

    sequence = models.PositiveBigIntegerField(_("序号"), unique=True)
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_username = models.CharField(_("操作人账号"), max_length=150, blank=True, default="")
    actor_name = models.CharField(_("操作人姓名"), max_length=60, blank=True, default="")
    action = models.CharField(_("操作"), max_length=60, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=60, blank=True, default="")
    object_id = models.CharField(_("对象标识"), max_length=64, blank=True, default="")
    object_repr = models.CharField(_("对象"), max_length=200, blank=True, default="")
    division_code = models.CharField(_("所属区划"), max_length=12, blank=True, default="")
    division_path = models.CharField(_("区划路径"), max_length=100, db_index=True)
    org_unit_code = models.CharField(_("操作机构"), max_length=40, blank=True, default="")
    subject_key = models.CharField(_("当事人索引"), max_length=64, blank=True, default="")
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)
    reason = models.TextField(_("理由/用途"), blank=True, default="")
    prev_hash = models.CharField(_("前一事件哈希"), max_length=64)
    hash = models.CharField(_("事件哈希"), max_length=64, unique=True)

    objects = AuditEventManager()

    scope_division_path = "division_path"

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_event_object_idx"),
            models.Index(fields=["subject_key"], name="audit_event_subject_idx"),
            models.Index(fields=["actor_username"], name="audit_event_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding or kwargs.get("force_update") or kwargs.get("update_fields"):
            raise AppendOnlyError("audit events cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit events cannot be deleted")


class AuditChainHead(models.Model):
    """The single row that holds the chain's tip; appends lock it to stay in order."""

    last_sequence = models.PositiveBigIntegerField(_("最后序号"), default=0)
    last_hash = models.CharField(_("最后哈希"), max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("审计链头")
        verbose_name_plural = _("审计链头")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="audit_chain_head_single_row"),
        ]

    def __str__(self) -> str:
        return f"#{self.last_sequence} {self.last_hash[:12]}"


class AuditVerification(models.Model):
    """One run of ``minzheng audit verify``: when, how many events, and the first break if any."""

    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    ok = models.BooleanField(_("校验通过"), default=False)
    checked = models.PositiveBigIntegerField(_("已校验事件数"), default=0)
    broken_event_id = models.BigIntegerField(_("首个异常事件"), null=True, blank=True)
    problem = models.TextField(_("异常说明"), blank=True, default="")

    class Meta:
        verbose_name = _("审计链校验")
        verbose_name_plural = _("审计链校验")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {'OK' if self.ok else 'BROKEN'} {self.checked}"
