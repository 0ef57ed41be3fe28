"""Reading and checking a file beside the landing: in a process of its own, or in a thread.

``FilePipeline.run`` lands checked chunks in the caller's thread, inside the batch's
transaction, while the next ones are read and checked elsewhere:

- **A process** (``ProcessReader``, for a file of ``PROCESS_MIN_ROWS`` rows or more where
  processes can be forked): both cores work, the reading side on its own interpreter. A checked
  chunk crosses a pipe as one ``bytes``: every row's plan flattened into plain tuples of text,
  numbers, dates and dicts (``pack``: by ``marshal`` where every value is plain, else pickle),
  which the landing side turns back into plans (``unpack``) for a few µs a row — pickling
  the plans themselves, as an earlier version did, cost the landing side about what the
  reading took off it. The rows as sent cross as one string, split only when a row of the
  chunk is refused.
- **A thread** (``ChunkReader``) for small files (a fork costs more than it saves) and where
  there is no fork. Python runs one thread at a time: the thread and the landing share a core.

At most ``AHEAD`` checked chunks wait (a process: besides the one in the pipe), so memory
stays bounded. An error while reading is raised on the landing side, which fails the batch.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import marshal
import multiprocessing
import pickle
import queue
import sys
import threading
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from django.db import connection

from minzheng.registry.ingest.landing import Pending
from minzheng.registry.ingest.reader import SourceRow
from minzheng.registry.ingest.spec import RowError

if TYPE_CHECKING:
    from minzheng.registry.ingest.pipeline import FilePipeline

# Files at least this long are read in a process (where one can be forked).
PROCESS_MIN_ROWS = 20_000


@dataclass
class ParsedChunk:
    """Rows read and checked: the rows as sent, the good ones' plans, the bad ones' errors."""

    rows: Sequence[SourceRow]
    pending: list[Pending]
    refused: dict[int, list[RowError]]


_DONE = object()


def _put_unless_stopped(waiting: queue.Queue[Any], item: Any, stopping: threading.Event) -> bool:
    """Put ``item`` in ``waiting`` once there is room, unless ``stopping`` is set meanwhile
    (then ``False``): a reading thread never blocks on a queue nobody takes from any more."""
    while not stopping.is_set():
        try:
            waiting.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


class ChunkReader:
    """Reads and checks chunks in a thread of its own while the caller lands the previous ones.

    At most ``AHEAD`` checked chunks wait. Landing stays in the caller's thread, with the
    batch's transaction, in file order.
    """

    AHEAD = 2
    # How long a thread holding the interpreter lock may run before a waiting one gets it
    # (Python's default is 5 ms): the landing thread, back from a database call, waits for the
    # lock on every row otherwise.
    SWITCH_INTERVAL = 0.0002

    def __init__(self, pipeline: FilePipeline) -> None:
        self.pipeline = pipeline
        self.queue: queue.Queue[Any] = queue.Queue(maxsize=self.AHEAD)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._read, name="ingest-reader", daemon=True)
        self.interval = sys.getswitchinterval()

    def _put(self, item: Any) -> bool:
        return _put_unless_stopped(self.queue, item, self.stopping)

    def _read(self) -> None:
        try:
            for chunk in self.pipeline.row_chunks():
                if not self._put(self.pipeline.check(chunk)):
                    return
            self._put(_DONE)
        except BaseException as exc:  # handed to the landing thread, which raises it
            self._put(exc)

    def chunks(self) -> Iterator[ParsedChunk]:
        sys.setswitchinterval(min(self.interval, self.SWITCH_INTERVAL))
        self.thread.start()
        while True:
            item = self.queue.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def stop(self) -> None:
        """Let the reading thread go (after the last chunk, or when landing failed)."""
        self.stopping.set()
        if self.thread.is_alive():
            self.thread.join()
        sys.setswitchinterval(self.interval)


_CHUNK, _END, _ERROR = b"C", b"D", b"E"


class ProcessReader:
    """Reads and checks chunks in a forked process while the caller lands the previous ones.

    The child touches no database: it has the parent's objects (the feed, the division index,
    the open file) as they were at the fork, writes each checked chunk into a pipe and leaves
    without running any clean-up of them. A thread of the parent reads the pipe into a queue
    of ``AHEAD`` chunks; a write blocks until that thread reads it, so at most ``AHEAD``
    chunks wait besides the one in the pipe and the one being checked. The parent closing its
    end (done, failed, or killed: the system closes it) makes the child's next write fail, and
    the child ends; the child ending early makes the parent's read fail, which fails the batch.
    """

    # Checked chunks received from the pipe and waiting to land, besides the one in the pipe.
    AHEAD = 3

    def __init__(self, pipeline: FilePipeline) -> None:
        self.pipeline = pipeline
        context = multiprocessing.get_context("fork")
        self.receiver, self.sender = context.Pipe(duplex=False)
        self.process = context.Process(target=self._read, name="ingest-reader", daemon=True)
        # A thread takes the chunks out of the pipe as they come (bytes only: turning them
        # into plans stays with the landing), so that the reading process goes on checking
        # while the landing waits for the database.
        self.received: queue.Queue[bytes | None] = queue.Queue(maxsize=self.AHEAD)
        self.stopping = threading.Event()
        self.receiving = threading.Thread(target=self._receive, name="ingest-receiver", daemon=True)

    def _read(self) -> None:  # in the child
        self.receiver.close()
        try:
            try:
                for chunk in self.pipeline.row_chunks():
                    self.sender.send_bytes(_CHUNK + pack(self.pipeline.check(chunk)))
                self.sender.send_bytes(_END)
            except OSError:  # the parent closed its end (gone, or done with us)
                return
            except BaseException as exc:
                with contextlib.suppress(OSError):
                    self.sender.send_bytes(_ERROR + pickle.dumps(_sendable(exc)))
        finally:
            self.sender.close()

    def chunks(self) -> Iterator[ParsedChunk]:
        _release_memory()
        with warnings.catch_warnings():
            # Python warns about forking a process with threads (a C library's pool, say): the
            # child runs only the reading and checking code and touches nothing they hold.
            warnings.simplefilter("ignore", DeprecationWarning)
            self.process.start()
        self.sender.close()
        self.receiving.start()
        while True:
            message = self.received.get()
            if message is None:
                raise RuntimeError("读取文件的进程意外退出")
            kind, body = message[:1], memoryview(message)[1:]
            if kind == _END:
                return
            if kind == _ERROR:
                raise pickle.loads(body)
            yield unpack(body)

    def _receive(self) -> None:  # in the receiving thread
        while not self.stopping.is_set():
            try:
                # Polling, so that ``stop`` never waits for a chunk that is not coming.
                if not self.receiver.poll(0.1):
                    continue
                message: bytes | None = self.receiver.recv_bytes()
            except Exception:  # the child ended early (EOFError), or the pipe failed
                message = None
            if not _put_unless_stopped(self.received, message, self.stopping):
                return
            if message is None or message[:1] != _CHUNK:
                return

    def stop(self) -> None:
        """Let the reading process go (after the last chunk, or when landing failed)."""
        self.stopping.set()
        if self.receiving.is_alive():
            self.receiving.join()
        self.sender.close()
        self.receiver.close()
        if self.process.pid is None:
            return
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def reader_for(pipeline: FilePipeline) -> ChunkReader | ProcessReader:
    """A process for a large file where processes can be forked; a thread otherwise."""
    estimate = pipeline.source.estimated_rows or 0
    if estimate >= PROCESS_MIN_ROWS and "fork" in multiprocessing.get_all_start_methods():
        return ProcessReader(pipeline)
    return ChunkReader(pipeline)


# --- the hand-over --------------------------------------------------------------------------


class SentIdNumber(NamedTuple):
    """A checked ID number as the landing side receives it: the fields of ``IdNumber`` (a
    frozen dataclass, slower to build)."""

    value: str
    address_code: str
    birth_date: date
    sex: str


class SentFact(NamedTuple):
    """A ``FactPlan`` as the landing side receives it (read only: sealed where checked)."""

    kind: str
    fields: dict[str, Any]
    household: str
    per_household: bool
    extra: dict[str, Any]
    sealed: tuple[str, tuple[str, ...], tuple[str, ...]] | None


class SentHousehold(NamedTuple):
    """A ``HouseholdPlan`` as the landing side receives it."""

    number: str
    division_id: int
    address: str
    relation: str


class SentPlan(NamedTuple):
    """A ``RowPlan`` as the landing side receives it: the same attributes in a tuple, some
    times quicker to build than the dataclass (the landing side only reads a plan). The ID
    number's parts come only with a row that may create a person (``creates``): the landing
    reads them for nothing else."""

    id_number: SentIdNumber | None
    name: str
    creates: dict[str, Any] | None
    updates: Mapping[str, Any]
    updates_as_of: date | None
    facts: list[SentFact]
    household: SentHousehold | None


def pack(parsed: ParsedChunk) -> bytes:
    """A checked chunk as bytes for the pipe: plain tuples, no objects of ours."""
    pending = []
    for p in parsed.pending:
        plan = p.plan
        household = plan.household
        if plan.creates is None:
            # A row that creates no person: the landing needs its look-up hash (``key``), not
            # the ID number's parts.
            number_sent: tuple[Any, ...] | None = None
        else:
            parsed_id = plan.id_number
            number_sent = (
                parsed_id.value,
                parsed_id.address_code,
                # Dates as their ordinals: pickling a date object costs some 3 µs (a third of
                # packing a register chunk); an int next to nothing.
                parsed_id.birth_date.toordinal(),
                parsed_id.sex,
            )
        pending.append(
            (
                p.number,
                p.key,
                p.sealed,
                number_sent,
                plan.name,
                plan.creates,
                plan.updates or None,
                None if plan.updates_as_of is None else plan.updates_as_of.toordinal(),
                [
                    (f.kind, *_plain(f.fields), f.household, f.per_household, f.extra, f.sealed)
                    for f in plan.facts
                ],
                None
                if household is None
                else (
                    household.number,
                    household.division_id,
                    household.address,
                    household.relation,
                ),
            )
        )
    refused = {n: [(e.column, e.reason) for e in errors] for n, errors in parsed.refused.items()}
    flat = (_packed(parsed.rows), pending, refused)
    try:
        # ``marshal`` where every value is plain (text, numbers, tuples, dicts; a fact's dates
        # and amounts made so by ``_plain``): written in a quarter of pickle's time and read
        # in two thirds (5,000 register rows: 2.9 and 7.5 ms against 12.0 and 11.3 ms), and
        # both ends run the same interpreter. Pickle for any other value (a spreadsheet's
        # date and time, say).
        return _MARSHAL + marshal.dumps(flat, 4)
    except ValueError:
        return _PICKLE + pickle.dumps(flat, protocol=pickle.HIGHEST_PROTOCOL)


_MARSHAL, _PICKLE = b"M", b"P"


def unpack(data: bytes | memoryview) -> ParsedChunk:
    """The chunk ``pack`` sent, with plans to land."""
    body = data[1:]
    rows, flat, refused = marshal.loads(body) if data[:1] == _MARSHAL else pickle.loads(body)
    pending = []
    for number, key, sealed, number_sent, name, creates, updates, as_of, facts, household in flat:
        plan = new_tuple(
            SentPlan,
            (
                None if number_sent is None else _id_number(*number_sent),
                name,
                creates,
                _NO_UPDATES if updates is None else updates,
                None if as_of is None else from_ordinal(as_of),
                [_fact(*fact) for fact in facts] if facts else [],
                None if household is None else new_tuple(SentHousehold, household),
            ),
        )
        pending.append(Pending(number, plan, key, sealed))
    errors = {
        n: [RowError(column, reason) for column, reason in found] for n, found in refused.items()
    }
    return ParsedChunk(_unpacked(rows), pending, errors)


from_ordinal = date.fromordinal
# A row stating no person attribute (most rows of a fact feed): one empty mapping for them
# all, which nothing can change.
_NO_UPDATES: Mapping[str, Any] = MappingProxyType({})


def _id_number(value: str, address: str, born: int, sex: str) -> SentIdNumber:
    return new_tuple(SentIdNumber, (value, address, from_ordinal(born), sex))


def _plain(fields: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, ...], tuple[str, ...]]:
    """A fact's fields with its dates as ordinals and its amounts as text (what ``marshal``
    carries), and the names of those fields: pickling a ``date`` or a ``Decimal`` costs the
    reading side some µs each, and unpickling it the landing side (a 医保 chunk went by
    pickle, a third of its landing process's time)."""
    dates: tuple[str, ...] = ()
    amounts: tuple[str, ...] = ()
    for name, value in fields.items():
        kind = value.__class__
        if kind is date:
            dates = (*dates, name)
        elif kind is Decimal:
            amounts = (*amounts, name)
    if not dates and not amounts:
        return fields, dates, amounts
    plain = dict(fields)
    for name in dates:
        plain[name] = fields[name].toordinal()
    for name in amounts:
        plain[name] = str(fields[name])
    return plain, dates, amounts


def _fact(
    kind: str,
    fields: dict[str, Any],
    dates: tuple[str, ...],
    amounts: tuple[str, ...],
    household: str,
    per_household: bool,
    extra: dict[str, Any],
    sealed: Any,
) -> SentFact:
    """The fact ``pack`` flattened (``_plain``), its dates and amounts as they were."""
    for name in dates:
        fields[name] = from_ordinal(fields[name])
    for name in amounts:
        fields[name] = Decimal(fields[name])
    return new_tuple(SentFact, (kind, fields, household, per_household, extra, sealed))


# ``tuple.__new__``: a named tuple from a tuple, without its Python-level constructor.
new_tuple: Any = tuple.__new__

_CELL, _ROW = "\x1f", "\x1e"


def _packed(rows: Sequence[SourceRow]) -> tuple[list[int], str] | list[tuple[int, Any]]:
    """A text file's rows as their numbers and one string; other rows (spreadsheets' numbers
    and dates) as they are."""
    numbers, lines = [], []
    for row in rows:
        try:
            line = _CELL.join(row.cells)
        except TypeError:  # a cell that is not text
            return [(r.number, list(r.cells)) for r in rows]
        if _ROW in line or line.count(_CELL) != len(row.cells) - 1 or not row.cells:
            return [(r.number, list(r.cells)) for r in rows]
        numbers.append(row.number)
        lines.append(line)
    return numbers, _ROW.join(lines)


def _unpacked(rows: tuple[list[int], str] | list[tuple[int, Any]]) -> Sequence[SourceRow]:
    if isinstance(rows, tuple):
        return _PackedRows(*rows)
    return [SourceRow(number, cells) for number, cells in rows]


class _PackedRows(Sequence[SourceRow]):
    """A chunk's rows as one string, split when first needed (a row of it refused)."""

    def __init__(self, numbers: list[int], text: str) -> None:
        self.numbers, self.text = numbers, text
        self._rows: list[SourceRow] | None = None

    def _split(self) -> list[SourceRow]:
        if self._rows is None:
            lines = self.text.split(_ROW)
            self._rows = [
                SourceRow(number, line.split(_CELL))
                for number, line in zip(self.numbers, lines, strict=True)
            ]
        return self._rows

    def __len__(self) -> int:
        return len(self.numbers)

    def __getitem__(self, index: Any) -> Any:
        return self._split()[index]

    def __iter__(self) -> Iterator[SourceRow]:
        return iter(self._split())


def _release_memory() -> None:
    """Hand memory the importing process holds but does not use back before forking.

    The child gets its parent's pages copy-on-write: whatever the parent changes afterwards
    (SQLite's page cache, filled by earlier imports on this connection; heap left free by
    them) becomes a second copy, kept by the child though it never reads it.
    """
    gc.collect()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA shrink_memory")
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)  # glibc: free heap pages back to the system


def _sendable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling, else a RuntimeError naming it."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc
