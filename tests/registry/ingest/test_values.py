"""Cells as spreadsheets deliver them: dates, months, amounts, codes, enumerations."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from minzheng.registry.ingest.values import (
    CellError,
    parse_area,
    parse_credit_code,
    parse_date,
    parse_money,
    parse_month,
    text,
)

TODAY = date(2025, 6, 30)


@pytest.mark.parametrize(
    "raw",
    [
        "2024-01-05",
        "2024/1/5",
        "2024年1月5日",
        "2024.1.5",
        "20240105",
        20240105,
        "２０２４－０１－０５",  # full-width digits and dash
        " 2024-01-05 ",
        "2024-01-05 00:00:00",
        45296,  # the Excel serial number of 2024-01-05
        45296.0,
        "45296",
        datetime(2024, 1, 5, 8, 30),
        date(2024, 1, 5),
    ],
)
def test_dates_in_every_usual_form(raw: object) -> None:
    assert parse_date(raw, today=TODAY) == date(2024, 1, 5)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("2024-02-30", "日期不存在（月份或日数超出范围）"),
        ("去年春天", "日期无法识别（可用格式：2024-01-05、2024/1/5、2024年1月5日、20240105）"),
        ("2025-07-01", "日期晚于今天，请核对"),
        ("1899-12-31", "日期早于1900年，请核对"),
    ],
)
def test_bad_dates_say_why(raw: object, reason: str) -> None:
    with pytest.raises(CellError) as caught:
        parse_date(raw, today=TODAY)
    assert caught.value.reason == reason


def test_a_future_date_is_allowed_where_the_column_says_so() -> None:
    assert parse_date("2026-01-01", allow_future=True, today=TODAY) == date(2026, 1, 1)


@pytest.mark.parametrize("raw", ["2024-02", "202402", "2024年2月", "2024/2", 202402, "2024-02-17"])
def test_months_are_their_first_and_last_day(raw: object) -> None:
    assert parse_month(raw, today=TODAY) == (date(2024, 2, 1), date(2024, 2, 29))


def test_a_bad_month_says_why() -> None:
    with pytest.raises(CellError) as caught:
        parse_month("2024-13", today=TODAY)
    assert caught.value.reason == "所属期的月份应在1至12之间"


@pytest.mark.parametrize(
    ("raw", "amount"),
    [
        ("1,234.5", Decimal("1234.50")),
        ("￥12元", Decimal("12.00")),
        ("１２３", Decimal("123.00")),
        (88, Decimal("88.00")),
        (10.005, Decimal("10.01")),
        ("0", Decimal("0.00")),
    ],
)
def test_amounts_are_yuan_with_two_places(raw: object, amount: Decimal) -> None:
    assert parse_money(raw) == amount


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("-5", "金额不能为负数"),
        ("−5", "金额不能为负数"),
        ("(12.00)", "金额不能为负数"),
        ("五百", "金额不是有效数字"),
        ("2000000000000", "金额过大，请核对单位（应以元为单位）"),
    ],
)
def test_bad_amounts_say_why(raw: object, reason: str) -> None:
    with pytest.raises(CellError) as caught:
        parse_money(raw)
    assert caught.value.reason == reason


def test_areas_drop_their_unit() -> None:
    assert parse_area("86.5平方米") == Decimal("86.50")
    assert parse_area("120㎡") == Decimal("120.00")


def test_text_folds_full_width_forms_and_stray_spaces() -> None:
    assert text(" 张 三 ") == "张三"
    assert text("Ａ  Ｂ") == "A B"
    assert text(1023.0) == "1023"
    assert text("\u3000王五\u3000") == "王五"


def test_credit_codes_are_checked_for_length_and_alphabet() -> None:
    assert parse_credit_code(" 91500000ma5u000000 ") == "91500000MA5U000000"
    with pytest.raises(CellError) as caught:
        parse_credit_code("91500000MA5U00000")
    assert caught.value.reason == "统一社会信用代码应为18位，实际为17位"
    with pytest.raises(CellError) as caught:
        parse_credit_code("91500000MA5U00000O")
    assert caught.value.reason == "统一社会信用代码含有不允许的字符（不使用I、O、Z、S、V）"


def test_the_id_number_column_agrees_with_the_registry_parser_on_every_cell() -> None:
    """The column checks clean 18-character cells itself (faster); on every cell — valid,
    wrong check character, impossible birth date, lowercase x, 15 digits, full width — it gives
    what ``idnumbers.parse`` gives, or the same reason."""
    import random

    from minzheng.registry import idnumbers
    from minzheng.registry.ingest import columns
    from minzheng.registry.ingest.spec import ParseContext

    def division(raw: object) -> int:
        return 0

    context = ParseContext(today=date.today(), division=division)
    parse = columns.id_number().parse
    rng = random.Random(7)
    cells: list[object] = []
    for _ in range(3000):
        first = f"{rng.randrange(110000, 660000)}{rng.randrange(1870, 2030)}"
        first += f"{rng.randrange(0, 14):02d}{rng.randrange(0, 33):02d}{rng.randrange(0, 1000):03d}"
        right = idnumbers.check_character(first)
        wrong = rng.choice([c for c in idnumbers.CHECK_CHARS if c != right])
        cells += [first + right, first + wrong, (first + right).lower(), " " + first + right]
    cells += [
        "50010119900101123x",
        "500101900101123",
        "５００１０１１９９００１０１１２３Ｘ",
        500101900101123,
    ]
    agreed = valid = 0
    for cell in cells:
        try:
            expected: object = idnumbers.parse(cell)
        except idnumbers.InvalidIdNumber as exc:
            expected = exc.reason
        try:
            found: object = parse(cell, context)
        except CellError as exc:
            found = exc.reason
        assert found == expected, cell
        agreed += 1
        valid += isinstance(found, idnumbers.IdNumber)
    assert agreed == len(cells) and 1000 < valid < len(cells)
