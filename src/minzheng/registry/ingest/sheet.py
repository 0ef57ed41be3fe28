"""The rows of an .xlsx file's worksheets, parsed as a stream with expat.

openpyxl's read-only parser builds an element tree for every row and a dict for every cell:
some 65 µs a row of eight cells here, three times what checking and landing the row costs; and
opening a workbook read-only, it scans every sheet for its <dimension> (the whole sheet where
that element is missing or last: 4 s for 200,000 rows). Here openpyxl reads the workbook's
structure only — the sheets and where they are in the archive, the shared strings, which styles
are date formats, the date epoch — and expat (C) calls back for each element of a sheet, which
keeps only the values. They are those of openpyxl's ``iter_rows(values_only=True)`` on a
read-only workbook opened with ``data_only=True``:

- shared and inline strings (rich text as its plain text), formula results as stored;
- numbers as ``int`` (no point or exponent) or ``float``; a number whose cell's style is a date
  format as a ``datetime`` (a duration format: a ``timedelta``);
- booleans; ISO dates (``t="d"``); error values as their text (``#N/A``);
- rows the file leaves out as empty rows (so that row numbers are the ones Excel shows), cells
  it leaves out as ``None``; a row as wide as its last cell.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.parsers import expat
from zipfile import ZipFile

from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.datetime import from_excel, from_ISO8601

BLOCK = 1 << 16
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_SEP = "}"
# Element names as expat reports them with namespace processing ("<uri>}<local>").
_ROW, _CELL, _VALUE = f"{_NS}}}row", f"{_NS}}}c", f"{_NS}}}v"
_INLINE, _TEXT = f"{_NS}}}is", f"{_NS}}}t"
# A sheet's stated extent (its last row), and the start of a row, in the sheet's first bytes.
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension ref="[A-Z]+\d+(?::[A-Z]+(\d+))?"')
_ROW_START = re.compile(rb"<(?:\w+:)?row[ >]")


def _column(reference: str, known: dict[str, int]) -> int:
    """The 1-based column of a cell reference such as ``AB12``."""
    letters = reference.rstrip("0123456789")
    column = known.get(letters)
    if column is None:
        column = 0
        for letter in letters:
            column = column * 26 + ord(letter) - 64
        known[letters] = column
    return column


@dataclass
class Book:
    """An opened .xlsx file: its worksheets (their paths in the archive, in the workbook's order)
    and what reading them needs; ``close()`` when done."""

    archive: ZipFile
    sheets: list[str]
    strings: Sequence[str]
    dates: set[int]
    durations: set[int]
    epoch: Any

    def close(self) -> None:
        self.archive.close()

    def estimated_rows(self, path: str) -> int | None:
        """The sheet's row count as its <dimension> states it or, without one near the start,
        reckoned from the size of the sheet and of its first rows."""
        with self.archive.open(path) as source:
            head = source.read(BLOCK)
        stated = _DIMENSION.search(head)
        if stated and stated.group(1):
            return int(stated.group(1))
        rows = [match.end() for match in _ROW_START.finditer(head)]
        if len(rows) < 2:
            return None
        per_row = (rows[-1] - rows[0]) / (len(rows) - 1)
        return int(self.archive.getinfo(path).file_size / per_row)


class _Structure(ExcelReader):
    """openpyxl's reader of a workbook, stopping short of its worksheets: it lists them."""

    def read_worksheets(self) -> None:
        self.found = [
            rel.target
            for _sheet, rel in self.parser.find_sheets()
            if rel.target in self.valid_files and "chartsheet" not in rel.Type
        ]


def open_book(path: Path) -> Book:
    """Open ``path``; openpyxl's errors for a file that is not a workbook pass through."""
    reader = _Structure(path, read_only=True, data_only=True)
    try:
        reader.read()
    except BaseException:
        reader.archive.close()
        raise
    workbook = reader.wb
    return Book(
        archive=reader.archive,
        sheets=reader.found,
        strings=reader.shared_strings,
        dates=workbook._date_formats,
        durations=workbook._timedelta_formats,
        epoch=workbook.epoch,
    )


class _Rows:
    """expat's handlers for one sheet; finished rows wait in ``done`` until taken."""

    def __init__(self, book: Book) -> None:
        self.strings = book.strings
        self.dates = book.dates
        self.durations = book.durations
        self.epoch = book.epoch
        self.done: list[tuple[Any, ...]] = []
        self.row_number = 0  # the last row reported, gaps included
        self.cells: list[Any] = []
        self.column = 0
        self.kind = "n"
        self.style = 0
        self.text: list[str] = []
        self.capturing = False
        self.inline = False
        self.columns: dict[str, int] = {}

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if name == _CELL:
            reference = attrs.get("r")
            self.column = _column(reference, self.columns) if reference else self.column + 1
            self.kind = attrs.get("t", "n")
            style = attrs.get("s")
            self.style = int(style) if style else 0
            self.text = []
        elif name == _VALUE:
            self.capturing = not self.inline
        elif name == _TEXT:
            self.capturing = self.inline
        elif name == _INLINE:
            self.inline = True
        elif name == _ROW:
            reference = attrs.get("r")
            number = int(reference) if reference else self.row_number + 1
            for _ in range(self.row_number + 1, number):
                self.done.append(())
            self.row_number = number
            self.cells = []
            self.column = 0

    def end(self, name: str) -> None:
        if name == _CELL:
            value = self.value() if self.text or self.kind == "inlineStr" else None
            cells = self.cells
            missing = self.column - len(cells)
            if missing > 0:
                cells.extend([None] * missing)
            cells[self.column - 1] = value
            self.inline = False
        elif name in (_VALUE, _TEXT):
            self.capturing = False
        elif name == _ROW:
            self.done.append(tuple(self.cells))

    def characters(self, data: str) -> None:
        if self.capturing:
            self.text.append(data)

    def value(self) -> Any:
        text = "".join(self.text)
        kind = self.kind
        if kind == "n":
            if not text:
                return None
            number: int | float = (
                float(text) if "." in text or "E" in text or "e" in text else int(text)
            )
            if self.style in self.dates:
                try:
                    return from_excel(number, self.epoch, timedelta=self.style in self.durations)
                except (OverflowError, ValueError):
                    return "#VALUE!"  # as openpyxl: a date cell out of the dates' range
            return number
        if kind == "s":
            return self.strings[int(text)] if text else None
        if kind == "inlineStr":
            return text if self.text else None
        if kind == "b":
            return bool(int(text)) if text else None
        if kind == "d":
            return from_ISO8601(text) if text else None
        return text or None  # "str" (a formula's text), "e" (an error value)


def rows(book: Book, path: str) -> Iterator[tuple[Any, ...]]:
    """The values of the rows of the sheet at ``path``, from its first row on."""
    handlers = _Rows(book)
    parser = expat.ParserCreate(namespace_separator=_SEP)
    parser.buffer_text = True
    parser.StartElementHandler = handlers.start
    parser.EndElementHandler = handlers.end
    parser.CharacterDataHandler = handlers.characters
    with book.archive.open(path) as source:
        while block := source.read(BLOCK):
            parser.Parse(block, False)
            if handlers.done:
                yield from handlers.done
                handlers.done = []
        parser.Parse(b"", True)
    yield from handlers.done
