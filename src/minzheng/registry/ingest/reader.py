"""Reading a feed file row by row: .xlsx, .csv (UTF-8 with or without BOM, GBK/GB18030) and JSON.

Files are streamed: an .xlsx sheet by expat (``ingest.sheet``; openpyxl opens the workbook), a
CSV line by line, so memory stays the same whatever the size (JSON, which arrives whole through
the API, is the exception). The header row is found among the first rows by matching the feed's
declared headers, so title rows above it (often merged cells) do no harm; columns the feed does
not declare (序号, 备注, or the 错误说明 of a corrected error file) are ignored. Row numbers are
the ones the clerk sees in Excel.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from minzheng.registry.ingest.spec import FeedSpec
from minzheng.registry.ingest.values import normalise_key

HEADER_SEARCH_ROWS = 10
SCAN_BLOCK = 1 << 20
TEXT_SUFFIXES = {".csv", ".txt", ".tsv"}


class FileProblem(ValueError):
    """The file as a whole cannot be read as this feed; ``reason`` is in Chinese."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class SourceRow:
    """One data row: its number as the clerk sees it, and the raw cells in file order."""

    number: int
    cells: Sequence[Any]


@dataclass
class Source:
    """An opened feed file: its header, where each declared column is, and its data rows."""

    name: str
    headers: list[str]
    header_row: int
    positions: dict[str, int]  # column key -> index in ``cells``
    estimated_rows: int | None
    _rows: Iterator[SourceRow]
    encoding: str = ""
    _closers: list[Any] = field(default_factory=list)

    def rows(self) -> Iterator[SourceRow]:
        """The non-blank data rows below the header, in file order."""
        for row in self._rows:
            for cell in row.cells:
                if cell is not None and (cell.__class__ is not str or cell.strip()):
                    yield row
                    break

    def close(self) -> None:
        for closer in self._closers:
            closer()
        self._closers.clear()

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _spellings(spec: FeedSpec) -> dict[str, str]:
    table: dict[str, str] = {}
    for column in spec.columns:
        for spelling in column.spellings:
            table.setdefault(normalise_key(spelling), column.key)
    return table


def _match_header(cells: Sequence[Any], table: dict[str, str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = table.get(normalise_key(cell)) if cell is not None else None
        if key is not None and key not in found:
            found[key] = index
    return found


def _locate_header(
    spec: FeedSpec, first: list[SourceRow]
) -> tuple[SourceRow, dict[str, int]] | None:
    """The row among ``first`` that matches most declared headers, with the positions found."""
    table = _spellings(spec)
    best: tuple[SourceRow, dict[str, int]] | None = None
    for row in first:
        found = _match_header(row.cells, table)
        if found and (best is None or len(found) > len(best[1])):
            best = (row, found)
    return best


def _open(
    spec: FeedSpec,
    name: str,
    rows: Iterator[SourceRow],
    *,
    estimate: int | None,
    encoding: str = "",
    closers: list[Any] | None = None,
) -> Source:
    first: list[SourceRow] = []
    for row in rows:
        first.append(row)
        if len(first) >= HEADER_SEARCH_ROWS:
            break
    located = _locate_header(spec, first)
    expected = "、".join(spec.required_headers)
    if located is None:
        raise FileProblem(
            f"文件前{HEADER_SEARCH_ROWS}行中没有找到表头。“{spec.name}”的表头应包含：{expected}"
        )
    header, positions = located
    missing = [c.header for c in spec.columns if c.required and c.key not in positions]
    if missing:
        raise FileProblem(
            f"表头（第{header.number}行）缺少必填列：{'、'.join(missing)}。"
            f"“{spec.name}”的必填列为：{expected}"
        )
    headers = ["" if cell is None else str(cell).strip() for cell in header.cells]
    after = [row for row in first if row.number > header.number]

    def data() -> Iterator[SourceRow]:
        yield from after
        yield from rows

    total = None if estimate is None else max(estimate - header.number, 0)
    return Source(
        name=name,
        headers=headers,
        header_row=header.number,
        positions=positions,
        estimated_rows=total,
        _rows=data(),
        encoding=encoding,
        _closers=closers or [],
    )


# --- .xlsx ----------------------------------------------------------------------------------


def _open_xlsx(path: Path, spec: FeedSpec, name: str) -> Source:
    from zipfile import BadZipFile

    from openpyxl.utils.exceptions import InvalidFileException

    from minzheng.registry.ingest import sheet

    try:
        book = sheet.open_book(path)
    except (InvalidFileException, BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileProblem(
            f"无法读取该 Excel 文件（{type(exc).__name__}），请另存为 .xlsx 后重试"
        ) from None
    problem: FileProblem | None = None
    for part in book.sheets:
        rows = (
            SourceRow(number, cells) for number, cells in enumerate(sheet.rows(book, part), start=1)
        )
        try:
            return _open(spec, name, rows, estimate=book.estimated_rows(part), closers=[book.close])
        except FileProblem as exc:
            problem = problem or exc
    book.close()
    raise problem or FileProblem("Excel 文件中没有工作表")


# --- .csv -----------------------------------------------------------------------------------


def detect_encoding(path: Path) -> tuple[str, int]:
    """The text encoding of ``path`` and its number of lines, in one streaming pass.

    A byte-order mark decides; otherwise the file is UTF-8 if all of it decodes as UTF-8, and
    GB18030 (a superset of GBK and GB2312) if not.
    """
    with path.open("rb") as handle:
        head = handle.read(4)
        handle.seek(0)
        if head.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
        elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16"
        else:
            encoding = ""
        decoder = codecs.getincrementaldecoder("utf-8")() if not encoding else None
        lines = 0
        while block := handle.read(SCAN_BLOCK):
            lines += block.count(b"\n")
            if decoder is not None:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    decoder = None
                    encoding = "gb18030"
        if decoder is not None:
            try:
                decoder.decode(b"", final=True)
                encoding = "utf-8"
            except UnicodeDecodeError:
                encoding = "gb18030"
    return encoding, lines


def _open_csv(path: Path, spec: FeedSpec, name: str) -> Source:
    encoding, lines = detect_encoding(path)
    handle: IO[str] = path.open("r", encoding=encoding, errors="replace", newline="")
    sample = "".join(handle.readline() for _ in range(HEADER_SEARCH_ROWS))
    handle.seek(0)
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    reader = csv.reader(handle, delimiter=delimiter)
    rows = (SourceRow(number, cells) for number, cells in enumerate(reader, start=1))
    try:
        return _open(
            spec, name, rows, estimate=lines + 1, encoding=encoding, closers=[handle.close]
        )
    except Exception:
        handle.close()
        raise


# --- JSON -----------------------------------------------------------------------------------


def rows_from_objects(objects: Any, spec: FeedSpec, name: str) -> Source:
    """A source over a list of objects keyed by the feed's headers (the API's JSON form)."""
    if not isinstance(objects, list) or not all(isinstance(o, dict) for o in objects):
        raise FileProblem('JSON 内容应为对象数组：[{"身份证号码": "…", …}, …]')
    headers: dict[str, None] = {}
    for obj in objects:
        headers.update(dict.fromkeys(str(k) for k in obj))
    order = list(headers)
    header_row = SourceRow(0, order)
    body = (
        SourceRow(index, [obj.get(key) for key in order])
        for index, obj in enumerate(objects, start=1)
    )

    def rows() -> Iterator[SourceRow]:
        yield header_row
        yield from body

    return _open(spec, name, rows(), estimate=len(objects))


def _open_json(path: Path, spec: FeedSpec, name: str) -> Source:
    try:
        with path.open("rb") as handle:
            objects = json.load(io.TextIOWrapper(handle, encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FileProblem(f"JSON 格式错误：{exc}") from None
    return rows_from_objects(objects, spec, name)


def open_source(path: Path, spec: FeedSpec, *, name: str = "") -> Source:
    """Open ``path`` as a file of feed ``spec``; raises ``FileProblem`` when it cannot be."""
    name = name or path.name
    suffix = Path(name).suffix.lower() or path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return _open_xlsx(path, spec, name)
    if suffix in TEXT_SUFFIXES:
        return _open_csv(path, spec, name)
    if suffix == ".json":
        return _open_json(path, spec, name)
    if suffix in {".xls", ".et"}:
        raise FileProblem("不支持旧版 .xls 格式，请在 Excel 中另存为 .xlsx 或 CSV 后上传")
    raise FileProblem(f"不支持的文件类型“{suffix or '无扩展名'}”，请上传 .xlsx、.csv 或 .json 文件")
