"""Reads of the ingest: the batches a user may see, a batch's live state, the feeds to upload to.

A batch is visible to whoever holds ``registry.import`` over the division it was filed under
(``ImportBatch.scope_path``, the uploader's division when it was submitted); out of scope is 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from minzheng.accounts.scope import active_assignments, can, can_at, restrict
from minzheng.divisions import selectors as division_selectors
from minzheng.divisions.models import Division
from minzheng.registry.ingest import progress as progress_file
from minzheng.registry.ingest.feeds import FEEDS
from minzheng.registry.ingest.spec import FeedSpec
from minzheng.registry.models import Feed, ImportBatch

IMPORT_ACTION = "registry.import"
Status = ImportBatch.Status
FINISHED = frozenset({Status.SUCCEEDED, Status.PARTIAL, Status.FAILED})


def may_import(user: Any) -> bool:
    """Whether ``user`` holds ``registry.import`` anywhere (menus, the upload page)."""
    return can(user, IMPORT_ACTION)


def import_divisions(user: Any) -> list[Division]:
    """The divisions over which ``user`` may import: where a batch of theirs can be filed."""
    places: dict[str, Division] = {}
    for assignment in active_assignments(user, IMPORT_ACTION):
        places.setdefault(assignment.division.path, assignment.division)
    return [places[path] for path in sorted(places)]


def default_division(user: Any) -> Division | None:
    """The user's own division (their org unit's) when they may import there, else their first."""
    org_unit = getattr(user, "org_unit", None)
    if org_unit is not None and can_at(user, IMPORT_ACTION, org_unit.division):
        return org_unit.division
    places = import_divisions(user)
    return places[0] if places else None


def import_division(user: Any, code: str) -> Division | None:
    """The division ``code`` if ``user`` may file imports there, else None."""
    try:
        place = division_selectors.get_by_code(code)
    except Division.DoesNotExist:
        return None
    return place if can_at(user, IMPORT_ACTION, place) else None


def batches_for(user: Any, *, feed: str = "", status: str = "") -> QuerySet[ImportBatch]:
    """The batches in ``user``'s scope, newest first, optionally of one feed or status."""
    batches = restrict(
        ImportBatch.objects.select_related("feed", "created_by").defer("errors"),
        user,
        IMPORT_ACTION,
    )
    if feed:
        batches = batches.filter(feed__code=feed)
    if status:
        batches = batches.filter(status=status)
    return batches.order_by("-created_at", "-pk")


def batch_for(user: Any, pk: int) -> ImportBatch:
    """One batch in ``user``'s scope; 404 otherwise."""
    return get_object_or_404(
        restrict(ImportBatch.objects.select_related("feed", "created_by"), user, IMPORT_ACTION),
        pk=pk,
    )


@dataclass(frozen=True)
class BatchState:
    """Where a batch stands now: its status, and its counters (live while it runs)."""

    status: str
    status_label: str
    rows_total: int | None
    rows_done: int
    rows_created: int
    rows_unchanged: int
    rows_failed: int
    finished: bool
    stalled: bool  # running, but the process doing it is gone

    @property
    def percent(self) -> int:
        if self.finished:
            return 100
        if not self.rows_total:
            return 0
        return min(99, int(self.rows_done * 100 / self.rows_total))


def batch_state(batch: ImportBatch) -> BatchState:
    """The batch's state: from its progress file while it runs, else from the batch row."""
    live = progress_file.read(batch.pk) if batch.status == Status.RUNNING else None
    source: dict[str, Any] = live or {
        "rows_total": batch.rows_total if batch.status in FINISHED else None,
        "rows_done": batch.rows_done,
        "rows_created": batch.rows_created,
        "rows_unchanged": batch.rows_unchanged,
        "rows_failed": batch.rows_failed,
    }
    return BatchState(
        status=batch.status,
        status_label=str(batch.get_status_display()),
        rows_total=source.get("rows_total"),
        rows_done=int(source.get("rows_done") or 0),
        rows_created=int(source.get("rows_created") or 0),
        rows_unchanged=int(source.get("rows_unchanged") or 0),
        rows_failed=int(source.get("rows_failed") or 0),
        finished=batch.status in FINISHED,
        stalled=batch.status == Status.RUNNING and progress_file.is_stale(live),
    )


def describe_error(batch: ImportBatch, error: dict[str, Any]) -> str:
    """One error as a sentence naming file, row, column, value and reason."""
    value = f"“{error['value']}”" if error.get("value") else ""
    return f"{batch.file_name} 第{error['row']}行【{error['column']}】{value}：{error['message']}"


@dataclass(frozen=True)
class FeedChoice:
    """A feed offered for upload: its declaration and its database row."""

    spec: FeedSpec
    feed: Feed


def feeds_to_upload() -> list[FeedChoice]:
    """The active feeds, in declaration order, with their columns (for the upload page)."""
    rows = {feed.code: feed for feed in Feed.objects.filter(is_active=True)}
    return [FeedChoice(spec, rows[code]) for code, spec in FEEDS.items() if code in rows]
