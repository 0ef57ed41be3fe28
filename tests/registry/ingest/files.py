"""Writing feed files the way departments send them: CSV in UTF-8 or GBK, .xlsx with a title."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from tests.registry.factories import make_id_number

HUKOU = ["身份证号码", "姓名", "性别", "出生日期", "区划代码", "户籍地址", "与户主关系", "户号"]
VILLAGE = "500101001001"  # 万州区 高笋塘街道 东方广场社区
VILLAGE_2 = "500101001002"
OUTSIDE_VILLAGE = "500237001001"  # 巫山县


def write_csv(
    path: Path,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    encoding: str = "utf-8",
    title: str | None = None,
) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        if title:
            writer.writerow([title])
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def write_xlsx(
    path: Path,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    title: str | None = None,
) -> Path:
    """An .xlsx with, optionally, a title merged across the columns above the header."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def family(
    number: str,
    *,
    village: str = VILLAGE,
    size: int = 3,
    born: date = date(1975, 3, 2),
) -> list[list[Any]]:
    """Rows of one household of the register: head, spouse, then children."""
    relations = ["户主", "配偶", "子", "女"]
    rows = []
    for index in range(size):
        sex = "F" if index % 2 else "M"
        birth = born if index < 2 else date(2005 + index, 6, 1)
        rows.append(
            [
                make_id_number(birth, sex),
                f"成员{number}{index}",
                "女" if sex == "F" else "男",
                birth.isoformat(),
                village,
                f"重庆市万州区某路{number}号",
                relations[min(index, 3)],
                number,
            ]
        )
    return rows


def register(tmp_path: Path, *households: str, size: int = 2) -> list[list[Any]]:
    """Import a household register of ``households`` (户号) and return its rows."""
    from minzheng.registry.ingest import run_import

    rows = [row for number in households for row in family(number, size=size)]
    path = write_csv(tmp_path / f"register-{households[0]}.csv", HUKOU, rows)
    batch = run_import(feed_code="police_hukou", path=path, by=None)
    assert batch.status == "succeeded", batch.message
    return rows
