"""Writes of the ingest: feed rows, batches, and running an import from end to end.

A batch is created ``pending`` (the web page and the API create it with the uploaded file and
queue a background task), becomes ``running`` in a short transaction of its own, and then lands
in **one** transaction together with its final counters and its audit event. A crash — a killed
process, a database error half way — rolls that transaction back: no person, household or fact
of the batch is visible, ever. The batch row is then marked ``failed`` (at once for an
exception; by ``fail_stale_batches`` for a process that died). Progress meanwhile is written to
a file (``ingest.progress``) that pages read.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.files.base import ContentFile, File
from django.db import connection, models, transaction
from django.tasks import task
from django.utils import timezone

from minzheng.accounts import selectors as account_selectors
from minzheng.accounts.scope import can_at
from minzheng.audit.services import record_event, record_pii_access
from minzheng.divisions import selectors as division_selectors
from minzheng.divisions.models import Division
from minzheng.registry.ingest import progress as progress_file
from minzheng.registry.ingest.feeds import FEEDS, get_feed
from minzheng.registry.ingest.landing import FACT_MODELS, BatchConflict
from minzheng.registry.ingest.pipeline import Counters, FilePipeline, Outcome, today
from minzheng.registry.ingest.places import DivisionIndex
from minzheng.registry.ingest.reader import FileProblem, open_source
from minzheng.registry.ingest.selectors import IMPORT_ACTION, default_division
from minzheng.registry.ingest.spec import ParseContext
from minzheng.registry.models import Feed, Household, ImportBatch, Membership, Person

logger = logging.getLogger(__name__)

AUDIT_ACTION = "registry.import"
CITY_PATH = "500000/"
Status = ImportBatch.Status
FINISHED = (Status.SUCCEEDED, Status.PARTIAL, Status.FAILED)
SQLITE_CACHE_KIB = 256 * 1024
UPLOAD_SUFFIXES = (".xlsx", ".xlsm", ".csv", ".txt", ".tsv", ".json")


# --- feeds ----------------------------------------------------------------------------------


def _agency(codes: Iterable[str]) -> Any:
    for code in codes:
        try:
            return account_selectors.org_unit_by_code(code)
        except ObjectDoesNotExist:
            continue
    return None


def seed_feeds() -> tuple[int, int]:
    """Keep one ``Feed`` row per declared feed; returns ``(created, updated)``.

    Idempotent: names and descriptions follow the declarations; the sending org unit (a seeded
    partner agency, or the city bureau) is linked when it exists and none is set yet.
    """
    created = updated = 0
    with transaction.atomic():
        existing = {feed.code: feed for feed in Feed.objects.all()}
        for spec in FEEDS.values():
            feed = existing.get(spec.code)
            agency = _agency(spec.agency_codes)
            if feed is None:
                feed = Feed(
                    code=spec.code, name=spec.name, description=spec.description, org_unit=agency
                )
                feed.full_clean()
                feed.save()
                record_event(
                    actor=None,
                    action="feed.create",
                    obj=feed,
                    after={"code": feed.code, "name": feed.name, "org_unit": feed.org_unit_id},
                )
                created += 1
                continue
            before = {
                "name": feed.name,
                "description": feed.description,
                "org_unit": feed.org_unit_id,
            }
            feed.name, feed.description = spec.name, spec.description
            if feed.org_unit_id is None and agency is not None:
                feed.org_unit = agency
            after = {
                "name": feed.name,
                "description": feed.description,
                "org_unit": feed.org_unit_id,
            }
            if after != before:
                feed.full_clean()
                feed.save()
                record_event(actor=None, action="feed.update", obj=feed, before=before, after=after)
                updated += 1
    return created, updated


def ensure_feeds() -> None:
    """Seed the feed rows if a declared feed has none yet (the first import on a new database)."""
    if Feed.objects.filter(code__in=list(FEEDS)).count() < len(FEEDS):
        seed_feeds()


# --- batches --------------------------------------------------------------------------------


def _scope_path(by: Any, division: Division | None) -> str:
    if by is None or not getattr(by, "is_authenticated", False):
        return division.path if division is not None else CITY_PATH
    division = division or default_division(by)
    if division is None or not can_at(by, IMPORT_ACTION, division):
        raise ValidationError({"division": "您没有在该区划导入数据的权限"})
    return division.path


def file_digest(handle: Any) -> str:
    """SHA-256 (hex) of a binary file object, read in blocks."""
    digest = hashlib.sha256()
    for block in iter(lambda: handle.read(1 << 20), b""):
        digest.update(block)
    return digest.hexdigest()


def batch_create(
    *,
    feed_code: str,
    file_name: str,
    file_sha256: str,
    by: Any,
    division: Division | None = None,
    source_file: File[Any] | None = None,
) -> ImportBatch:
    """A pending batch of feed ``feed_code``, filed under ``division`` (the uploader's by default).

    ``by`` (None for the system, e.g. a command run without ``--user``) must hold
    ``registry.import`` over the division; the batch is visible to whoever holds it there.
    """
    ensure_feeds()
    get_feed(feed_code)
    feed = Feed.objects.get(code=feed_code)
    if not feed.is_active:
        raise ValidationError({"feed": f"数据源“{feed.name}”已停用"})
    with transaction.atomic():
        batch = ImportBatch(
            feed=feed,
            file_name=file_name[:255],
            file_sha256=file_sha256,
            created_by=by if getattr(by, "pk", None) else None,
            scope_path=_scope_path(by, division),
        )
        if source_file is not None:
            batch.source_file.save(Path(file_name).name, source_file, save=False)
        batch.full_clean()
        batch.save()
    return batch


def batch_submit(
    *,
    feed_code: str,
    by: Any,
    upload: File[Any] | None = None,
    rows: list[Any] | None = None,
    file_name: str = "",
    division: Division | None = None,
) -> ImportBatch:
    """Accept a file (``upload``) or API rows (``rows``) and queue its import in the background.

    Returns the pending batch; the worker runs ``run_import`` on it. Refuses (``ValidationError``)
    an unknown feed, a file type the reader cannot read, or a division outside ``by``'s scope.
    """
    if feed_code not in FEEDS:
        raise ValidationError({"feed": f"未知的数据源“{feed_code}”"})
    if upload is not None:
        file_name = file_name or Path(upload.name or "upload").name
        if not file_name.lower().endswith(UPLOAD_SUFFIXES):
            raise ValidationError(
                {"file": "请上传 .xlsx、.csv 或 .json 文件（旧版 .xls 请先另存为 .xlsx）"}
            )
        digest = file_digest(upload)
        upload.seek(0)
        content: File[Any] = upload
    elif rows is not None:
        payload = json.dumps(rows, ensure_ascii=False, default=str).encode("utf-8")
        file_name = file_name or f"接口提交-{timezone.localtime():%Y%m%d%H%M%S}.json"
        if not file_name.lower().endswith(".json"):
            file_name += ".json"
        digest = hashlib.sha256(payload).hexdigest()
        content = ContentFile(payload)
    else:
        raise ValidationError({"file": "请选择要导入的文件"})
    with transaction.atomic():
        batch = batch_create(
            feed_code=feed_code,
            file_name=file_name,
            file_sha256=digest,
            by=by,
            division=division,
            source_file=content,
        )
        import_batch_task.enqueue(batch_id=batch.pk)
    return batch


def _division_code(batch: ImportBatch) -> str:
    return batch.scope_path.rstrip("/").rsplit("/", 1)[-1]


def _summary(batch: ImportBatch) -> dict[str, Any]:
    return {
        "feed": batch.feed.code,
        "file_name": batch.file_name,
        "file_sha256": batch.file_sha256,
        "status": batch.status,
        "rows_total": batch.rows_total,
        "rows_created": batch.rows_created,
        "rows_unchanged": batch.rows_unchanged,
        "rows_failed": batch.rows_failed,
        "message": batch.message,
    }


def _fail(batch: ImportBatch, message: str, by: Any) -> ImportBatch:
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        batch.status = Status.FAILED
        batch.message = message
        batch.finished_at = timezone.now()
        batch.rows_created = batch.rows_unchanged = batch.rows_done = 0
        batch.error_file = ""
        batch.save()
        record_event(
            actor=by,
            action=AUDIT_ACTION,
            obj=batch,
            after=_summary(batch),
            reason=message,
            division_code=_division_code(batch),
        )
    return batch


def fail_stale_batches() -> int:
    """Mark failed every running batch whose process has died; returns how many.

    Nothing of such a batch landed (its transaction never committed); the file can be imported
    again.
    """
    count = 0
    for batch in ImportBatch.objects.filter(status=Status.RUNNING):
        data = progress_file.read(batch.pk)
        started = batch.started_at or batch.created_at
        silent = (timezone.now() - started).total_seconds() > progress_file.STALE_AFTER_SECONDS
        if progress_file.is_stale(data) or (data is None and silent):
            batch = _fail(batch, "导入进程意外中止，本批次未导入任何数据，请重新导入该文件。", None)
            progress_remove(batch)
            count += 1
    return count


def _start(batch: ImportBatch) -> ImportBatch:
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().select_related("feed").get(pk=batch.pk)
        if batch.status != Status.PENDING:
            raise ValidationError({"status": f"批次已处于“{batch.get_status_display()}”状态"})
        batch.status = Status.RUNNING
        batch.started_at = timezone.now()
        batch.save(update_fields=["status", "started_at"])
    progress_file.write(batch.pk, Counters().as_dict())
    return batch


def _finish(batch: ImportBatch, outcome: Outcome, error_path: Path) -> None:
    counters = outcome.counters
    batch.rows_total = counters.rows_total or 0
    batch.rows_done = counters.rows_done
    batch.rows_created = counters.rows_created
    batch.rows_unchanged = counters.rows_unchanged
    batch.rows_failed = counters.rows_failed
    batch.errors = outcome.errors
    batch.finished_at = timezone.now()
    if outcome.error_rows:
        batch.error_file.name = str(error_path.relative_to(Path(settings.MEDIA_ROOT)))
    else:
        error_path.unlink(missing_ok=True)
    landed = counters.rows_created + counters.rows_unchanged
    if counters.rows_done == 0:
        batch.status = Status.FAILED
        batch.message = "文件中没有数据行。"
    elif counters.rows_failed == 0:
        batch.status = Status.SUCCEEDED
    elif landed == 0:
        batch.status = Status.FAILED
    else:
        batch.status = Status.PARTIAL
    if counters.rows_done:
        batch.message = (
            f"共{counters.rows_done}行：新增或更新{counters.rows_created}行，"
            f"与已有数据相同{counters.rows_unchanged}行，错误{counters.rows_failed}行。"
        )
        if counters.rows_failed:
            batch.message += "请下载错误行文件，更正后按同一数据源重新导入。"
    batch.full_clean()
    batch.save()


def error_path_for(batch: ImportBatch) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / "errors" / f"batch-{batch.pk}-errors.xlsx"


def run_import(
    *,
    feed_code: str,
    path: str | Path,
    by: Any,
    batch: ImportBatch | None = None,
    progress: Callable[[Counters], None] | None = None,
    division: Division | None = None,
) -> ImportBatch:
    """Import the file at ``path`` through feed ``feed_code``; returns the finished batch.

    Without ``batch`` a new one is created (filed under ``division``, by default ``by``'s);
    with one, it must be pending. Rows are read, checked and landed in one transaction; bad
    rows go to the batch's error file; ``progress`` (if given) is called after every chunk
    with the counters so far. Any failure leaves nothing of the batch landed and the batch
    ``failed`` with the reason; the batch's one audit event records the outcome.
    """
    spec = get_feed(feed_code)
    source_path = Path(path)
    fail_stale_batches()
    if batch is None:
        with source_path.open("rb") as handle:
            digest = file_digest(handle)
        batch = batch_create(
            feed_code=feed_code,
            file_name=source_path.name,
            file_sha256=digest,
            by=by,
            division=division,
        )
    batch = _start(batch)
    error_path = error_path_for(batch)
    report = _reporter(batch.pk, progress)
    _tune_connection()
    try:
        with transaction.atomic():
            _tune_transaction()
            index = DivisionIndex()
            context = ParseContext(today=today(), division=index.village_of)
            with open_source(source_path, spec, name=batch.file_name) as source:
                outcome = FilePipeline(
                    spec=spec,
                    batch=batch,
                    source=source,
                    context=context,
                    division_codes=index.codes(),
                    error_path=error_path,
                    report=report,
                ).run()
            _finish(batch, outcome, error_path)
            record_event(
                actor=by,
                action=AUDIT_ACTION,
                obj=batch,
                after=_summary(batch),
                division_code=_division_code(batch),
            )
    except (FileProblem, BatchConflict) as exc:
        error_path.unlink(missing_ok=True)
        batch = _fail(batch, exc.reason, by)
    except BaseException as exc:
        error_path.unlink(missing_ok=True)
        logger.exception("import of batch %s failed", batch.pk)
        batch = _fail(
            batch,
            f"导入中断（{type(exc).__name__}: {str(exc)[:300]}），本批次未导入任何数据。",
            by,
        )
        if not isinstance(exc, Exception):
            raise
    finally:
        progress_remove(batch)
    return batch


def _tune_transaction() -> None:
    """PostgreSQL: the batch's look-ups by index, whatever the planner's estimates.

    Every look-up of a landing names its rows by an indexed key (a look-up hash, a household
    number, a person's id). The tables' statistics, though, are those of before the batch,
    which may have been empty: a 1,000,000-row register into an empty registry was planned
    as sequential scans of the persons and households tables it was filling, chunk after
    chunk, at a cost growing with every chunk (the persons' and households' look-ups took
    5.5 and 3.2 s of the server's time; 2.3 and 0.3 s by index). For the batch's transaction
    only (``SET LOCAL``), a sequential scan is chosen only where no index serves.

    Such a scan (of a staging table) then costs the planner more than ``jit_above_cost``: a
    server built with JIT compiled each of those statements, some 10 ms a time, chunk after
    chunk. No statement of a landing gains from JIT: it is off for the batch as well.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL jit = off")


def _tune_connection() -> None:
    # SQLite's default page cache (2 MB) makes the index inserts of a large import page in and
    # out; a bigger cache for this connection keeps the indexes' hot pages in memory.
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")


def _reporter(
    batch_id: int, callback: Callable[[Counters], None] | None
) -> Callable[[Counters], None]:
    def report(counters: Counters) -> None:
        progress_file.write(batch_id, counters.as_dict())
        if callback is not None:
            callback(counters)

    return report


def progress_remove(batch: ImportBatch) -> None:
    """End of a batch: drop its progress file and the uploaded copy of its file (personal data)."""
    progress_file.remove(batch.pk)
    if batch.source_file:
        batch.source_file.delete(save=False)
        ImportBatch.objects.filter(pk=batch.pk).update(source_file="")


def division_for_code(code: str) -> Division:
    """The division with ``code`` (for the API's and the command's ``division`` parameter)."""
    return division_selectors.get_by_code(code)


# A batch creating at least this many rows has the registry's tables tidied after it.
TIDY_MIN_ROWS = 10_000
# The tables an import writes.
TIDIED_MODELS: tuple[type[models.Model], ...] = (
    Person,
    Household,
    Membership,
    *FACT_MODELS.values(),
)


def tidy_after(batch: ImportBatch) -> bool:
    """After a large batch has landed (PostgreSQL): ``VACUUM (ANALYZE)`` the registry's tables.

    The rows a batch writes are, until a vacuum, rows whose every later reader checks the
    transaction that wrote them (the visibility map and hint bits are not set), and the
    planner's statistics are those of before the batch (a first register: an empty table).
    PostgreSQL's autovacuum would see to both in time, where it is on and keeps up; a large
    import should not wait for it. Measured on this project's machine (autovacuum off): a
    1,000,000-row 医保 file imported after a register of 200,000 persons took 39.8 s of the
    server's CPU, and 29.9 and 31.0 s with the register tidied first.

    Run outside any transaction (``VACUUM`` cannot run inside one), by the worker after an
    import task and by ``minzheng import`` after its summary; tables another vacuum holds are
    skipped. SQLite has no visibility map and plans these look-ups well without statistics:
    nothing to do there. Returns whether the tables were tidied.
    """
    if (
        connection.vendor != "postgresql"
        or batch.status != ImportBatch.Status.SUCCEEDED
        or batch.rows_created < TIDY_MIN_ROWS
    ):
        return False
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in TIDIED_MODELS)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE, SKIP_LOCKED) {tables}")
    return True


@task()
def import_batch_task(batch_id: int) -> dict[str, Any]:
    """Background task: import a pending batch submitted from the web page or the API."""
    batch = ImportBatch.objects.select_related("feed", "created_by").get(pk=batch_id)
    if batch.status != Status.PENDING:
        return {"batch": batch_id, "status": batch.status, "skipped": True}
    if not batch.source_file or not batch.source_file.storage.exists(str(batch.source_file.name)):
        batch = _fail(batch, "上传的文件已不存在，请重新上传。", batch.created_by)
        return {"batch": batch_id, "status": batch.status}
    batch = run_import(
        feed_code=batch.feed.code, path=batch.source_file.path, by=batch.created_by, batch=batch
    )
    return {"batch": batch_id, "status": batch.status, "tidied": tidy_after(batch)}


def error_file_download(*, by: Any, batch: ImportBatch) -> None:
    """Record that ``by`` took the batch's error file (it holds the bad rows' personal data)."""
    with transaction.atomic():
        record_pii_access(
            actor=by,
            obj=batch,
            purpose="下载导入错误行文件，更正后重新导入",
            division_code=_division_code(batch),
        )
