"""A feed's import template (导入模板): an .xlsx with the feed's header row, ready to fill in.

The first sheet holds the headers as the department's export names them, required ones shaded:
the clerk fills in rows under them and uploads the file as it is. Each header carries a note
with what to write; an enumerated column offers its accepted values in a drop-down; ID numbers
and codes are text cells, so that Excel keeps every digit of an 18-digit number. The second
sheet (填写说明) lists every column: required or not, the other headers accepted, what to write
and an example. The reader takes the first sheet whose header it recognises: the notes do not
get in the way.
"""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from minzheng.registry.ingest.spec import Column, FeedSpec

# Rows under the header that the drop-downs cover.
FILLED_ROWS = 10_000
# Excel refuses a list of accepted values longer than this (the list's formula).
LIST_LIMIT = 255
NOTES_TITLE = "填写说明"
AUTHOR = "民政协同增效平台"

_BOLD = Font(bold=True)
_REQUIRED = PatternFill("solid", fgColor="FCE4D6")
_OPTIONAL = PatternFill("solid", fgColor="EDEDED")
_WRAP = Alignment(wrap_text=True, vertical="top")


def file_name(spec: FeedSpec) -> str:
    return f"{spec.name}-导入模板.xlsx"


def template(spec: FeedSpec) -> bytes:
    """The template of ``spec`` as the bytes of an .xlsx file."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = spec.name[:31]  # Excel's longest sheet name
    sheet.append([column.header for column in spec.columns])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index)
        cell.font = _BOLD
        cell.fill = _REQUIRED if column.required else _OPTIONAL
        cell.comment = Comment(_note(column), AUTHOR, width=260, height=120)
        width = max(12, 2 * len(column.header) + 4, len(column.example) + 4)
        sheet.column_dimensions[letter].width = width
        if column.text:
            sheet.column_dimensions[letter].number_format = "@"
        offered = _offered(column)
        if offered:
            listed = DataValidation(
                type="list", formula1=f'"{offered}"', allow_blank=True, showErrorMessage=False
            )
            listed.add(f"{letter}2:{letter}{FILLED_ROWS + 1}")
            sheet.add_data_validation(listed)
    _notes(book.create_sheet(NOTES_TITLE), spec)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _offered(column: Column) -> str:
    """The drop-down of an enumerated column: its accepted values, if Excel can list them."""
    if column.choices is None:
        return ""
    shown = [value for value in column.choices.shown if "," not in value and '"' not in value]
    listed = ",".join(shown)
    return listed if len(listed) <= LIST_LIMIT else ""


def _note(column: Column) -> str:
    parts = ["必填" if column.required else "选填"]
    if column.description:
        parts.append(column.description)
    if column.example:
        parts.append(f"示例：{column.example}")
    return "；".join(parts)


def _notes(sheet: Worksheet, spec: FeedSpec) -> None:
    sheet.append([f"{spec.name}（{spec.department}）"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([spec.description])
    sheet.append(
        [
            "在第一个工作表的表头下逐行填写，表头请勿改动（可在表头上方保留标题行）；"
            "带底色的列为必填；身份证号码等列已设为文本格式，请勿改为数值。"
            "填好后在“数据归集—导入数据”选择本数据源上传。"
        ]
    )
    for row in (1, 2, 3):
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=5)
    sheet.row_dimensions[2].height = 45
    sheet.row_dimensions[3].height = 60
    sheet.append([])
    sheet.append(["列名", "必填", "也可写作", "填写说明", "示例"])
    for cell in sheet[5]:
        cell.font = _BOLD
    for column in spec.columns:
        sheet.append(
            [
                column.header,
                "是" if column.required else "否",
                "、".join(column.aliases),
                column.description,
                column.example,
            ]
        )
    for letter, width in zip("ABCDE", (18, 6, 30, 60, 22), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = _WRAP
