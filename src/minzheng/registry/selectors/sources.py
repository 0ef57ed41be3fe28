"""Where a value came from, in words a caseworker reads: "人社局就业数据 · 批次 12 · 2025-03-01"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime


@dataclass(frozen=True)
class SourceInfo:
    """One value's source: a feed's import batch, or a worker who entered it."""

    kind: str  # "batch", "worker" or "unknown"
    label: str  # the feed's name, or the worker's name
    detail: str  # batch number and file, or the worker's account
    at: datetime | None
    batch_id: int | None = None

    @property
    def text(self) -> str:
        """The whole source on one line."""
        when = f" · {timezone.localtime(self.at):%Y-%m-%d}" if self.at else ""
        detail = f" · {self.detail}" if self.detail else ""
        return f"{self.label}{detail}{when}"


UNKNOWN = SourceInfo(kind="unknown", label="来源未记录", detail="", at=None)


def fact_source(fact: Any) -> SourceInfo:
    """The source of a fact row (select ``source_batch__feed`` and ``entered_by`` with it)."""
    batch = getattr(fact, "source_batch", None)
    if batch is not None:
        return SourceInfo(
            kind="batch",
            label=batch.feed.name,
            detail=f"批次 {batch.pk}" + (f"（{batch.file_name}）" if batch.file_name else ""),
            at=batch.finished_at or batch.created_at,
            batch_id=batch.pk,
        )
    user = getattr(fact, "entered_by", None)
    if user is not None:
        return SourceInfo(
            kind="worker",
            label=getattr(user, "full_name", "") or user.get_username(),
            detail=f"工作人员录入（{user.get_username()}）",
            at=getattr(fact, "recorded_at", None),
        )
    return SourceInfo(
        kind="unknown", label="来源未记录", detail="", at=getattr(fact, "recorded_at", None)
    )


def entry_source(entry: dict[str, Any] | None) -> SourceInfo:
    """The source recorded in one ``Person.field_sources`` entry."""
    if not entry:
        return UNKNOWN
    at = parse_datetime(entry["at"]) if entry.get("at") else None
    if entry.get("batch") is not None:
        return SourceInfo(
            kind="batch",
            label=entry.get("feed_name") or entry.get("feed") or "数据源",
            detail=f"批次 {entry['batch']}",
            at=at,
            batch_id=entry["batch"],
        )
    if entry.get("user"):
        return SourceInfo(
            kind="worker",
            label=entry.get("user_name") or entry["user"],
            detail=f"工作人员录入（{entry['user']}）",
            at=at,
        )
    return SourceInfo(kind="unknown", label="系统", detail="", at=at)
