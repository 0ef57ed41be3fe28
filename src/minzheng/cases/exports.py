"""The monthly payment roll per county as an .xlsx workbook (openpyxl, streamed write-only)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from minzheng.cases.selectors.payments import RollRow

HEADER = (
    "序号",
    "案件编号",
    "家庭编号",
    "户主姓名",
    "身份证号码",
    "乡镇(街道)",
    "村(社区)",
    "救助项目",
    "保障人数",
    "月救助金额（元）",
)
WIDTHS = (6, 20, 16, 10, 22, 16, 18, 24, 9, 14)


def payment_roll_xlsx(*, county_name: str, month: dt.date, rows: Sequence[RollRow]) -> bytes:
    """The roll of ``county_name`` for ``month``: a title line, the header, one row per case and
    a total line."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(f"{month:%Y-%m}")
    for i, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + i)].width = width
    title = WriteOnlyCell(sheet, f"{county_name} {month.year}年{month.month}月 社会救助金发放名册")
    title.font = Font(bold=True, size=13)
    sheet.append([title])
    bold = Font(bold=True)
    header = []
    for text in HEADER:
        cell = WriteOnlyCell(sheet, text)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        amount = WriteOnlyCell(sheet, row.amount)
        amount.number_format = "#,##0.00"
        sheet.append(
            [
                row.number,
                row.case_number,
                row.household_number,
                row.head_name,
                row.head_id_masked,
                row.township,
                row.village,
                row.programmes,
                row.members,
                amount,
            ]
        )
    total = WriteOnlyCell(sheet, sum((r.amount for r in rows), Decimal("0.00")))
    total.number_format = "#,##0.00"
    total.font = bold
    sheet.append(["合计", f"{len(rows)} 户", *[""] * 7, total])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
