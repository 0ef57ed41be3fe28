"""The shell's own records: the background worker's heartbeat."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """A background worker process says it is alive, every few seconds.

    One row per worker process; ``last_seen`` moves forward while it runs. The health endpoint
    reads the freshest row to tell whether background work is being picked up.
    """

    worker_id = models.CharField(_("工作进程标识"), max_length=64, unique=True)
    host = models.CharField(_("主机"), max_length=255)
    pid = models.PositiveIntegerField(_("进程号"))
    started_at = models.DateTimeField(_("启动时间"))
    last_seen = models.DateTimeField(_("最近心跳"), db_index=True)
    stopped_at = models.DateTimeField(_("停止时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("后台工作进程心跳")
        verbose_name_plural = _("后台工作进程心跳")
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return f"{self.worker_id}@{self.host}:{self.pid}"
