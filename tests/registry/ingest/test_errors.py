"""Bad rows: every kind of error, in Chinese, naming the row, the column and the value; the
error file the clerk corrects and uploads again."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from minzheng.registry.ingest import run_import
from minzheng.registry.models import Expenditure, Person
from tests.registry.factories import make_id_number
from tests.registry.ingest.files import HUKOU, VILLAGE, family, register, write_csv

pytestmark = pytest.mark.usefixtures("feeds")

MEDICAL = ["身份证号码", "姓名", "结算日期", "自付金额", "单据号"]


def _first_error(batch: Any) -> dict[str, Any]:
    assert batch.rows_failed == 1, batch.errors
    return dict(batch.errors[0])


@pytest.mark.parametrize(
    ("column", "value", "message", "shown"),
    [
        ("身份证号码", "500101197503020010", "身份证号码校验位错误（应为4）", "500101********0010"),
        ("身份证号码", "50010119750302001", "身份证号码应为18位，实际为17位", "500101*******2001"),
        (
            "身份证号码",
            "5.00101E+17",
            "身份证号码被表格软件存成了科学计数法，后几位已丢失，请以文本格式重新导出",
            "5.0010*E+17",
        ),
        ("区划代码", "500101999999", "区划代码在行政区划表中不存在", "500101999999"),
        ("区划代码", "500101001", "区划代码应为12位村(社区)级代码，实际为9位", "500101001"),
        (
            "与户主关系",
            "邻居",
            "不是可接受的值，可填：户主、配偶、子女、父母、孙子女、祖父母、兄弟姐妹、其他",
            "邻居",
        ),
        ("出生日期", "1975-02-30", "日期不存在（月份或日数超出范围）", "1975-02-30"),
        (
            "出生日期",
            "去年",
            "日期无法识别（可用格式：2024-01-05、2024/1/5、2024年1月5日、20240105）",
            "去年",
        ),
        (
            "出生日期",
            "1976-03-02",
            "出生日期1976年03月02日与身份证号码不符（号码中为1975年03月02日）",
            "1976-03-02",
        ),
        ("性别", "女", "性别“女”与身份证号码不符（号码第17位表示男性）", "女"),
        ("户号", "", "必填项为空", ""),
        ("姓名", "  ", "必填项为空", ""),
    ],
)
def test_register_errors(tmp_path: Path, column: str, value: str, message: str, shown: str) -> None:
    good = family("000901", size=1, born=date(1975, 3, 2))[0]
    good[0] = "500101197503020014"  # a valid number for 1975-03-02, male
    bad = list(good)
    bad[HUKOU.index(column)] = value
    path = write_csv(tmp_path / "户籍.csv", HUKOU, [bad], title="户籍人口")

    batch = run_import(feed_code="police_hukou", path=path, by=None)

    assert batch.status == "failed"
    assert _first_error(batch) == {"row": 3, "column": column, "value": shown, "message": message}
    assert Person.objects.count() == 0


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("自付金额", "-12.5", "金额不能为负数"),
        ("自付金额", "十二元", "金额不是有效数字"),
        ("结算日期", (date.today() + timedelta(days=3)).isoformat(), "日期晚于今天，请核对"),
        ("单据号", "", "必填项为空"),
    ],
)
def test_fact_feed_errors(tmp_path: Path, column: str, value: str, message: str) -> None:
    person = register(tmp_path, "001001", size=1)[0]
    row = [person[0], person[1], "2025-01-10", "120.50", "YB0001"]
    row[MEDICAL.index(column)] = value

    batch = run_import(
        feed_code="healthcare_medical",
        path=write_csv(tmp_path / "医保.csv", MEDICAL, [row]),
        by=None,
    )

    error = _first_error(batch)
    assert (error["row"], error["column"], error["message"]) == (2, column, message)
    assert Expenditure.objects.count() == 0


def test_a_person_not_in_the_register_must_wait_for_it(tmp_path: Path) -> None:
    stranger = make_id_number(date(1990, 1, 1))
    path = write_csv(tmp_path / "医保.csv", MEDICAL, [[stranger, "", "2025-01-10", "12", "Y1"]])

    batch = run_import(feed_code="healthcare_medical", path=path, by=None)

    error = _first_error(batch)
    assert (error["column"], error["message"]) == (
        "身份证号码",
        "未找到该身份证号码对应的人员，请先导入户籍数据",
    )


def test_a_name_that_differs_from_the_register_is_refused(tmp_path: Path) -> None:
    person = register(tmp_path, "001101", size=1)[0]
    path = write_csv(
        tmp_path / "医保.csv", MEDICAL, [[person[0], "别人", "2025-01-10", "12", "Y1"]]
    )

    batch = run_import(feed_code="healthcare_medical", path=path, by=None)

    error = _first_error(batch)
    assert (error["column"], error["value"], error["message"]) == (
        "姓名",
        "别人",
        "姓名与该身份证号码在户籍登记中的姓名不一致",
    )


def test_good_rows_land_and_bad_rows_go_to_the_error_file(tmp_path: Path) -> None:
    rows = family("001201", size=3)
    rows[1][4] = "500101999999"
    rows[2][6] = "邻居"
    path = write_csv(tmp_path / "户籍.csv", HUKOU, rows, title="户籍人口")

    batch = run_import(feed_code="police_hukou", path=path, by=None)

    assert (batch.status, batch.rows_created, batch.rows_failed) == ("partial", 1, 2)
    sheet = load_workbook(batch.error_file.path).active
    assert sheet is not None
    lines = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert lines[0] == [*HUKOU, "错误说明"]
    assert lines[1][:8] == rows[1]
    assert lines[1][8] == "【区划代码】“500101999999”：区划代码在行政区划表中不存在"
    assert lines[2][8].startswith("【与户主关系】“邻居”：不是可接受的值")
    assert len(lines) == 3


def test_a_row_is_checked_across_its_cells_though_one_of_them_is_refused(
    tmp_path: Path,
) -> None:
    head, spouse = family("001251", size=2, born=date(1975, 3, 2))
    # The head (male, born 1975-03-02): an unknown village, and a sex and a birth date that
    # the ID number contradicts. All three come back in one pass.
    head[4] = "500101999999"
    head[2] = "女"
    head[3] = "1976-03-02"
    # The spouse's number is refused: her sex cannot be checked against it, and is not.
    spouse[0] = spouse[0][:-1] + ("1" if spouse[0][-1] == "0" else "0")
    spouse[2] = "男"
    path = write_csv(tmp_path / "户籍.csv", HUKOU, [head, spouse])

    batch = run_import(feed_code="police_hukou", path=path, by=None)

    assert batch.status == "failed"
    found = [(e["row"], e["column"], e["message"]) for e in batch.errors]
    assert found[:3] == [
        (2, "区划代码", "区划代码在行政区划表中不存在"),
        (2, "出生日期", "出生日期1976年03月02日与身份证号码不符（号码中为1975年03月02日）"),
        (2, "性别", "性别“女”与身份证号码不符（号码第17位表示男性）"),
    ]
    assert [(row, column) for row, column, _ in found[3:]] == [(3, "身份证号码")]
    sheet = load_workbook(batch.error_file.path).active
    assert sheet is not None
    explained = [r[-1] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert explained[0] == (
        "【区划代码】“500101999999”：区划代码在行政区划表中不存在；"
        "【出生日期】“1976-03-02”：出生日期1976年03月02日与身份证号码不符（号码中为1975年03月02日）；"
        "【性别】“女”：性别“女”与身份证号码不符（号码第17位表示男性）"
    )


def test_the_corrected_error_file_is_uploaded_as_it_is(tmp_path: Path) -> None:
    rows = family("001301", size=3)
    rows[1][4] = "500101999999"  # unknown village
    rows[2][3] = "2007-13-01"  # no such month
    batch = run_import(
        feed_code="police_hukou", path=write_csv(tmp_path / "户籍.csv", HUKOU, rows), by=None
    )
    assert batch.rows_failed == 2
    book = load_workbook(batch.error_file.path)
    sheet = book.active
    assert sheet is not None
    sheet.cell(row=2, column=5, value=VILLAGE)  # the clerk corrects the cells in Excel
    sheet.cell(row=3, column=4, value="2007-06-01")
    corrected = tmp_path / "户籍-错误行-已更正.xlsx"
    book.save(corrected)

    again = run_import(feed_code="police_hukou", path=corrected, by=None)

    assert (again.status, again.rows_total, again.rows_created, again.rows_failed) == (
        "succeeded",
        2,
        2,
        0,
    )
    assert Person.objects.count() == 3


def test_the_command_names_file_row_column_value_and_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = family("001401", size=2)
    rows[1][4] = "500101999999"
    path = write_csv(tmp_path / "户籍.csv", HUKOU, rows)

    call_command("import", "police_hukou", str(path), "--no-progress")

    out = capsys.readouterr().out
    assert "部分成功" in out
    assert "户籍.csv 第3行【区划代码】“500101999999”：区划代码在行政区划表中不存在" in out
    assert "错误行文件：" in out
