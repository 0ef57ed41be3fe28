"""The error file: the rows that could not land, as the clerk sent them, plus why.

Written as a streaming (write-only) .xlsx: the original header and cells of each bad row and
an 错误说明 column. The clerk corrects the cells in Excel and uploads the file again through the
same feed as it is: the reader ignores the 错误说明 column.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

ERROR_HEADER = "错误说明"
_HEADER_FONT = Font(bold=True)
_ERROR_FONT = Font(color="9C0006")
_ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")


def _cell_value(value: Any) -> Any:
    # Long numbers (an ID number Excel stored as a number) go back as text, so that Excel does
    # not turn them into 5.00101E+17 when the clerk opens the file.
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**11:
        return str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1e11:
        return str(int(value))
    return value


class ErrorFile:
    """An .xlsx being written row by row; ``close()`` saves it and returns the row count."""

    def __init__(self, path: Path, headers: Sequence[str]) -> None:
        self.path = path
        self.rows = 0
        self._width = len(headers)
        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet("错误行")
        for index in range(self._width + 1):
            letter = _column_letter(index)
            self._sheet.column_dimensions[letter].width = 60 if index == self._width else 20
        header_cells = []
        for text in [*headers, ERROR_HEADER]:
            cell = WriteOnlyCell(self._sheet, value=text)
            cell.font = _HEADER_FONT
            header_cells.append(cell)
        self._sheet.append(header_cells)

    def add(self, cells: Sequence[Any], explanation: str) -> None:
        """Append one bad row: its original cells (padded to the header) and the explanation."""
        values = [_cell_value(v) for v in list(cells)[: self._width]]
        values += [None] * (self._width - len(values))
        note = WriteOnlyCell(self._sheet, value=explanation)
        note.font = _ERROR_FONT
        note.fill = _ERROR_FILL
        note.alignment = Alignment(wrap_text=True)
        self._sheet.append([*values, note])
        self.rows += 1

    def close(self) -> int:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._book.save(self.path)
        return self.rows


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)
