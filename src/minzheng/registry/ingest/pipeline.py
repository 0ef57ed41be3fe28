"""Reading, checking and landing one file, chunk by chunk, with its errors and its progress.

``FilePipeline.run`` is called inside the batch's transaction by ``services.run_import``. It
streams the source: every row is parsed and checked on its own (each bad cell becomes an error
naming the row, the column, the value and the reason) in a reading process or thread
(``ingest.reading``), good rows are landed ``CHUNK_SIZE`` at a time by ``landing.Lander`` in
the caller's thread, bad rows go to the error file as they were sent. Memory holds a few
chunks.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.utils import timezone

from minzheng.registry import pii
from minzheng.registry.ingest.errorfile import ErrorFile
from minzheng.registry.ingest.landing import KNOWN_LIMIT, Lander, Pending, Sealer
from minzheng.registry.ingest.reader import Source, SourceRow
from minzheng.registry.ingest.reading import ParsedChunk, reader_for
from minzheng.registry.ingest.spec import FeedSpec, ParseContext, RowError, RowErrors
from minzheng.registry.ingest.values import CellError, is_blank, text
from minzheng.registry.models import ImportBatch

CHUNK_SIZE = 5000
# The first errors are kept on the batch for its page; all of them are in the error file.
ERROR_SAMPLE = 1000
# Most remembered cells per column (see ``memoised``): bounded memory on any file.
MEMO_LIMIT = 100_000
# Most remembered ID numbers (parsed, and their look-up hashes) of a feed about registered
# persons, whose rows name the same people again and again (a month of wages each, a year of
# medical settlements): as many as the landing remembers persons (``landing.KNOWN_LIMIT``).
# With 100,000, a file about 200,000 persons, in no order, parses and hashes some 72 % of
# its ID numbers again (reckoned: the memo fills and is emptied every 139,000 rows); with
# this, each once.
ID_MEMO_LIMIT = KNOWN_LIMIT


@dataclass
class Counters:
    """How far a batch got: rows read, and how each ended."""

    rows_total: int | None = None  # estimated until the file has been read
    rows_done: int = 0
    rows_created: int = 0
    rows_unchanged: int = 0
    rows_failed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Outcome:
    """What ``land_file`` hands back: the counters, the first errors, the error file's rows."""

    counters: Counters
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_rows: int = 0


_UNSEEN = object()


class _Refused(Exception):
    """A plan asked for the value of a cell that was refused."""


class _Parsed(dict[str, Any]):
    """The values of a refused row's cells that parsed; asking for another raises ``_Refused``."""

    def __missing__(self, key: str) -> Any:
        raise _Refused(key)


def memoised[F: Callable[..., Any]](function: F, limit: int = MEMO_LIMIT) -> F:
    """``function`` remembering its results by first argument (at most ``limit``; errors not
    kept)."""
    seen: dict[Any, Any] = {}

    def remembered(first: Any, *rest: Any) -> Any:
        try:
            # ``get``, not ``seen[first]``: a KeyError for every value not seen before (every
            # ID number of a register) cost more than the look-up.
            value = seen.get(first, _UNSEEN)
        except TypeError:  # not hashable
            return function(first, *rest)
        if value is not _UNSEEN:
            return value
        value = function(first, *rest)
        if len(seen) >= limit:
            seen.clear()
        seen[first] = value
        return value

    return remembered  # type: ignore[return-value]


def shown_value(raw: object, key: str) -> str:
    """A cell as the error page shows it; ID numbers masked (the error file keeps them whole)."""
    if is_blank(raw):
        return ""
    value = text(raw)
    if key.startswith("id_number") and len(value) >= 10:
        return value[:6] + "*" * (len(value) - 10) + value[-4:]
    return value[:100]


def explain(errors: list[tuple[str, str, str]]) -> str:
    """The 错误说明 cell: every problem of the row, 【column】“value”：reason."""
    parts = []
    for header, value, reason in errors:
        parts.append(f"【{header}】“{value}”：{reason}" if value else f"【{header}】{reason}")
    return "；".join(parts)


class FilePipeline:
    """One pass over one source for one batch."""

    def __init__(
        self,
        *,
        spec: FeedSpec,
        batch: ImportBatch,
        source: Source,
        context: ParseContext,
        division_codes: dict[int, str],
        error_path: Path,
        report: Callable[[Counters], None],
    ) -> None:
        self.spec = spec
        self.source = source
        self.context = context
        self.lander = Lander(spec=spec, batch=batch, division_codes=division_codes)
        self.error_file = ErrorFile(error_path, source.headers)
        self.report = report
        self.outcome = Outcome(Counters(rows_total=source.estimated_rows))
        # A register names each person once: its ID numbers are not worth remembering.
        unique = spec.creates_persons
        # (key, parse, position, required) per declared column; a column the file lacks reads
        # as empty (position past every row's end).
        self.readers = [
            (
                c.key,
                c.parse
                if not c.memo or (unique and c.key == "id_number")
                else memoised(c.parse, ID_MEMO_LIMIT if c.key == "id_number" else MEMO_LIMIT),
                source.positions.get(c.key, 1 << 30),
                c.required,
            )
            for c in spec.columns
        ]
        self.lookup_hash = (
            pii.lookup_hasher() if unique else memoised(pii.lookup_hasher(), ID_MEMO_LIMIT)
        )
        self.sealer = Sealer(spec=spec, division_codes=division_codes)

    def header_of(self, key: str) -> str:
        position = self.source.positions.get(key)
        if position is not None and position < len(self.source.headers):
            return self.source.headers[position] or self.spec.column(key).header
        return self.spec.column(key).header

    def cell(self, row: SourceRow, key: str) -> Any:
        position = self.source.positions.get(key)
        if position is None or position >= len(row.cells):
            return None
        return row.cells[position]

    # --- one row -----------------------------------------------------------------------

    def parse(self, row: SourceRow) -> Pending | list[RowError]:
        values: dict[str, Any] = {}
        errors: list[RowError] = []
        cells = row.cells
        width = len(cells)
        context = self.context
        for key, parse, position, required in self.readers:
            raw = cells[position] if position < width else None
            if raw is None or (raw.__class__ is str and not raw.strip()):
                if required:
                    errors.append(RowError(key, "必填项为空"))
                values[key] = None
                continue
            try:
                values[key] = parse(raw, context)
            except CellError as exc:
                errors.append(RowError(key, exc.reason))
        if errors:
            return errors + self.cross_checked(values, errors)
        try:
            plan = self.spec.plan(values)
        except RowErrors as exc:
            return exc.errors
        except RowError as exc:
            return [exc]
        pending = Pending(row.number, plan, self.lookup_hash(plan.id_number.value))
        return self.sealer.seal(pending)

    def cross_checked(self, values: dict[str, Any], errors: list[RowError]) -> list[RowError]:
        """A refused row's checks across its cells (sex and birth date against the ID number, a
        death before the birth …) on the cells that did parse, so that the clerk sees every
        problem of the row at once, not one more after each correction. A check that needs a
        refused cell is skipped; nothing is reported twice for one column."""
        refused = {error.column for error in errors}
        parsed = _Parsed({k: v for k, v in values.items() if k not in refused})
        try:
            self.spec.plan(parsed)
        except RowErrors as exc:
            found = exc.errors
        except RowError as exc:
            found = [exc]
        # A check on a refused cell: asked for (``_Refused``), or read with ``get`` as None.
        except (_Refused, TypeError, AttributeError):
            return []
        else:
            return []
        return [error for error in found if error.column not in refused]

    def refuse(self, row: SourceRow, errors: list[RowError]) -> None:
        full: list[tuple[str, str, str]] = []
        for error in errors:
            header, raw = self.header_of(error.column), self.cell(row, error.column)
            if len(self.outcome.errors) < ERROR_SAMPLE:
                self.outcome.errors.append(
                    {
                        "row": row.number,
                        "column": header,
                        "value": shown_value(raw, error.column),
                        "message": error.reason,
                    }
                )
            full.append((header, "" if is_blank(raw) else text(raw), error.reason))
        self.error_file.add(row.cells, explain(full))
        self.outcome.counters.rows_failed += 1

    # --- the file ----------------------------------------------------------------------

    def run(self) -> Outcome:
        counters = self.outcome.counters
        reading = reader_for(self)
        try:
            with collector_relaxed():
                for parsed in reading.chunks():
                    self.land(parsed)
                self.lander.finish()
        finally:
            self.lander.close()
            reading.stop()
            # Saved even on failure, so that the writer lets go of its temporary file; the
            # caller removes an error file of a batch that did not land.
            self.outcome.error_rows = self.error_file.close()
        counters.rows_total = counters.rows_done
        return self.outcome

    def row_chunks(self) -> Iterator[list[SourceRow]]:
        """The file's rows, ``CHUNK_SIZE`` at a time."""
        chunk: list[SourceRow] = []
        for row in self.source.rows():
            chunk.append(row)
            if len(chunk) >= CHUNK_SIZE:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def check(self, chunk: list[SourceRow]) -> ParsedChunk:
        """Parse and check every row of ``chunk`` on its own (no database)."""
        refused: dict[int, list[RowError]] = {}
        pending: list[Pending] = []
        for row in chunk:
            parsed = self.parse(row)
            if isinstance(parsed, list):
                refused[row.number] = parsed
            else:
                pending.append(parsed)
        return ParsedChunk(chunk, pending, refused)

    def land(self, parsed: ParsedChunk) -> None:
        """Land the good rows of a checked chunk; the bad ones go to the error file."""
        counters = self.outcome.counters
        refused = parsed.refused
        if parsed.pending:
            landed = self.lander.land(parsed.pending, now=timezone.now())
            refused.update(landed.errors)
            counters.rows_created += len(landed.created - set(landed.errors))
            counters.rows_unchanged += len(landed.unchanged - landed.created - set(landed.errors))
        if refused:
            for row in parsed.rows:
                if row.number in refused:
                    self.refuse(row, refused[row.number])
        counters.rows_done += len(parsed.rows)
        if counters.rows_total is not None and counters.rows_total < counters.rows_done:
            counters.rows_total = counters.rows_done
        self.report(counters)


# Python's cyclic garbage collector while a batch runs: the first generation collected every
# 500,000 new container objects (not 700; a chunk of 5,000 rows makes some 50,000), the older
# ones hardly ever, and the objects there before the batch (Django, the division index) set
# aside. Cyclic garbage is rare here (everything else is freed by reference counting); what
# there is waits a little longer. On a 200,000-row register into SQLite (checking and
# landing timed one after the other): 16.8 s of CPU with the defaults, 12.9 s with
# (50,000, 20, 100), and turning a chunk's bytes back into plans took half the time again
# with these.
GC_THRESHOLDS = (500_000, 100, 1000)


@contextlib.contextmanager
def collector_relaxed() -> Iterator[None]:
    """Run the block with ``GC_THRESHOLDS``; the collector as it was afterwards.

    A batch allocates millions of short-lived tuples, dicts and plans, nearly none of them in
    a cycle: with the default thresholds the collector ran thousands of times per 200,000
    rows and, each time the oldest generation was due, walked every object of the process
    (the caches grow with the batch) — a third of a register row's CPU time.
    """
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def today() -> date:
    return timezone.localdate()
