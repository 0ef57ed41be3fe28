"""Reading department files: encodings, title rows, numbers where text was meant, blank rows."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zipfile import ZipFile

import pytest
from openpyxl import Workbook, load_workbook

from minzheng.registry.ingest import get_feed, sheet
from minzheng.registry.ingest.reader import FileProblem, detect_encoding, open_source
from tests.registry.ingest.files import HUKOU, write_csv, write_xlsx

SPEC = get_feed("police_hukou")
ROW = [
    "500101198003020011",
    "张三",
    "男",
    "1980-03-02",
    "500101001001",
    "某路1号",
    "户主",
    "000123",
]


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030")],
)
def test_csv_encodings_are_detected(tmp_path: Path, encoding: str, detected: str) -> None:
    path = write_csv(tmp_path / "户籍.csv", HUKOU, [ROW], encoding=encoding, title="户籍人口信息表")
    assert detect_encoding(path)[0] == detected
    with open_source(path, SPEC) as source:
        rows = list(source.rows())
    assert source.header_row == 2
    assert [r.number for r in rows] == [3]
    assert rows[0].cells[1] == "张三"
    assert source.headers[:2] == ["身份证号码", "姓名"]


def test_xlsx_with_a_merged_title_and_an_id_stored_as_a_number(tmp_path: Path) -> None:
    # A 15-digit (first-generation) number survives being a spreadsheet number; the feed's
    # ID column converts it (see test_import for 18-digit numbers, which Excel rounds).
    numeric = [500101800302001, *ROW[1:]]
    path = write_xlsx(tmp_path / "户籍.xlsx", HUKOU, [numeric, [None] * 8, ROW], title="户籍人口")
    with open_source(path, SPEC) as source:
        rows = list(source.rows())
    assert source.header_row == 2
    # The blank row 4 is skipped; the rows keep the numbers the clerk sees in Excel.
    assert [r.number for r in rows] == [3, 5]
    assert rows[0].cells[0] == 500101800302001
    assert source.positions["id_number"] == 0


def test_blank_rows_and_spaces_only_rows_are_skipped(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "户籍.csv", HUKOU, [ROW, [""] * 8, ["  ", "\u3000"], ROW])
    with open_source(path, SPEC) as source:
        assert [r.number for r in source.rows()] == [2, 5]


def test_headers_with_aliases_extra_columns_and_stars(tmp_path: Path) -> None:
    headers = ["序号", "*公民身份号码", "姓 名", "户籍地区划代码", "与户主关系", "户编号", "备注"]
    row = ["1", ROW[0], "张三", "500101001001", "户主", "000123", ""]
    path = write_csv(tmp_path / "户籍.csv", headers, [row])
    with open_source(path, SPEC) as source:
        assert source.positions == {
            "id_number": 1,
            "name": 2,
            "division": 3,
            "relation": 4,
            "household_number": 5,
        }


def test_a_missing_required_column_is_named(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "户籍.csv", HUKOU[:-1], [ROW[:-1]])
    with pytest.raises(FileProblem) as caught:
        open_source(path, SPEC)
    assert caught.value.reason == (
        "表头（第1行）缺少必填列：户号。“公安·户籍人口”的必填列为："
        "身份证号码、姓名、区划代码、与户主关系、户号"
    )


def test_a_file_of_another_feed_has_no_header_here(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", ["单位", "金额"], [["a", "1"]])
    with pytest.raises(FileProblem) as caught:
        open_source(path, SPEC)
    assert caught.value.reason.startswith("文件前10行中没有找到表头")


def test_old_xls_files_are_refused_with_advice(tmp_path: Path) -> None:
    path = tmp_path / "户籍.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(FileProblem) as caught:
        open_source(path, SPEC)
    assert caught.value.reason == "不支持旧版 .xls 格式，请在 Excel 中另存为 .xlsx 或 CSV 后上传"


def test_json_is_a_list_of_objects_keyed_by_header(tmp_path: Path) -> None:
    path = tmp_path / "rows.json"
    path.write_text(json.dumps([dict(zip(HUKOU, ROW, strict=True))], ensure_ascii=False))
    with open_source(path, SPEC) as source:
        rows = list(source.rows())
    assert [r.number for r in rows] == [1]
    assert rows[0].cells[source.positions["household_number"]] == "000123"


def _every_kind_of_cell(book: Workbook) -> Workbook:
    """Rows of every kind of cell value, with rows and cells left out of the file."""
    sheet = book.active if book.active is not None else book.create_sheet()
    sheet.append(["户籍人口信息表（2026年11月）"])
    sheet.merge_cells("A1:E1")
    sheet.append(["文本", "整数", "小数", "真假", "日期"])
    sheet.append(["张三", 500101197503020014, 1234.5, True, datetime(2024, 1, 5, 0, 0)])
    sheet.append(["", -3, 1.5e-7, False, date(1975, 3, 2)])
    sheet.append([])  # a blank row, not written to the file
    sheet.cell(row=7, column=2, value=42)  # a row with cells B and E only
    sheet.cell(row=7, column=5, value="  空格  ")
    sheet.cell(row=8, column=1, value="=1+1")  # a formula with no result stored
    sheet.cell(row=8, column=2, value=0.25).number_format = "0%"
    sheet.cell(row=8, column=3, value=45292).number_format = "yyyy年m月d日"
    sheet.cell(row=8, column=4, value=time(8, 30))
    sheet.cell(row=8, column=5, value=timedelta(hours=30))
    sheet.cell(row=10, column=1, value="末行")
    return book


@pytest.mark.parametrize("write_only", [False, True], ids=["shared strings", "inline strings"])
def test_a_sheet_s_values_are_those_openpyxl_reads(tmp_path: Path, write_only: bool) -> None:
    path = tmp_path / "各种单元格.xlsx"
    if write_only:
        source = _every_kind_of_cell(Workbook())
        book = Workbook(write_only=True)
        copy = book.create_sheet()
        for row in source.active.iter_rows(values_only=True):  # type: ignore[union-attr]
            copy.append(list(row))
    else:
        book = _every_kind_of_cell(Workbook())
    book.save(path)

    book = sheet.open_book(path)
    ours = [tuple(row) for row in sheet.rows(book, book.sheets[0])]
    book.close()
    theirs_sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
    theirs_sheet.reset_dimensions()
    theirs = [tuple(row) for row in theirs_sheet.iter_rows(values_only=True)]

    assert ours == theirs
    assert len(ours) == 10
    # As Excel keeps it: 15 significant digits, the ID number's last ones lost.
    assert ours[2][:2] == ("张三", 5.0010119750302e17)
    assert ours[6] == (None, 42, None, None, "  空格  ")
    # A serial number in a custom date format is a date (the copy keeps values, not formats).
    assert ours[7][2] == (45292 if write_only else datetime(2024, 1, 1))


@pytest.mark.parametrize("write_only", [False, True], ids=["dimension", "no dimension"])
def test_an_xlsx_file_s_rows_are_estimated_for_its_progress(
    tmp_path: Path, write_only: bool
) -> None:
    book = Workbook(write_only=write_only)
    rows = book.create_sheet() if write_only else book.active
    assert rows is not None
    rows.append(HUKOU)
    for number in range(2000):
        rows.append([*ROW[:5], f"某路{number}号", *ROW[6:]])
    path = tmp_path / "户籍.xlsx"
    book.save(path)

    with open_source(path, SPEC) as source:
        estimate = source.estimated_rows

    assert estimate is not None
    # Stated by the sheet's <dimension> where it has one near the start; else reckoned from
    # the size of the sheet and of its first rows.
    assert estimate == 2000 if not write_only else 1800 <= estimate <= 2200


def test_a_sheet_written_with_a_namespace_prefix_reads_the_same(tmp_path: Path) -> None:
    # Exports from .NET systems (the Open XML SDK) write <x:row>, <x:c> … instead of <row>, <c>.
    plain = write_xlsx(tmp_path / "户籍.xlsx", HUKOU, [ROW])
    prefixed = tmp_path / "户籍-x.xlsx"
    with ZipFile(plain) as source, ZipFile(prefixed, "w") as copy:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                text = re.sub(r"<(/?)(?![?/])(\w)", r"<\1x:\2", data.decode())
                data = text.replace(" xmlns=", " xmlns:x=", 1).encode()
                assert "<x:row" in text
            copy.writestr(item, data)

    with open_source(plain, SPEC) as one, open_source(prefixed, SPEC) as other:
        assert [r.cells for r in other.rows()] == [r.cells for r in one.rows()] != []
