"""Turning one spreadsheet cell into a typed value, or a reason in Chinese why it cannot be.

Cells arrive as whatever the reader produced: text from a CSV, or from an .xlsx a ``str``, an
``int``/``float`` (numbers, including ID numbers and dates Excel stored as numbers), a
``datetime`` (cells formatted as dates), or ``None``. Every parser here accepts all of them,
cleans the noise people and spreadsheets add (full-width digits, stray spaces, thousands
separators, a unit after the number) and raises ``CellError`` with the reason a clerk can act on.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

EXCEL_EPOCH = date(1899, 12, 30)
EARLIEST = date(1900, 1, 1)
CENT = Decimal("0.01")
# Largest money value the registry stores (decimal(14, 2)), kept well inside it.
MONEY_MAX = Decimal("1000000000000")
AREA_MAX = Decimal("100000")

_DATE_PARTS = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATE_TIME_SUFFIX = re.compile(r"^(\S+?)(?:[T\s]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$")
_MONTH_PARTS = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_MONTH_COMPACT = re.compile(r"^(\d{4})(\d{2})$")
_SERIAL = re.compile(r"^\d{5}(?:\.0+)?$")
_SPACES = re.compile(r"\s+")
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff·])\s+(?=[\u3400-\u9fff·])")
_MONEY_NOISE = re.compile(r"[,，\s¥￥元]|人民币")
_AREA_NOISE = re.compile(r"[,，\s]|平方米|平米|㎡|m2|M2|m²")

DATE_FORMATS_HINT = "可用格式：2024-01-05、2024/1/5、2024年1月5日、20240105"


class CellError(ValueError):
    """A cell that cannot be used; ``reason`` is the Chinese text shown to the clerk."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def is_blank(raw: object) -> bool:
    """Whether a cell holds nothing (None, or only spaces, full-width ones included)."""
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    return False


def text(raw: object) -> str:
    """The cell as clean text: full-width forms folded, spaces trimmed and collapsed.

    Whole numbers that a spreadsheet stored as floats lose their ``.0`` (a 户号 of 1023 stays
    "1023"); spaces between Chinese characters are dropped ("张 三" is "张三").
    """
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "是" if raw else "否"
    if isinstance(raw, float) and raw.is_integer() and abs(raw) < 1e15:
        return str(int(raw))
    if isinstance(raw, datetime):
        return raw.date().isoformat() if raw.time() == datetime.min.time() else raw.isoformat(" ")
    if isinstance(raw, date):
        return raw.isoformat()
    value = str(raw)
    if not value.isascii():
        value = unicodedata.normalize("NFKC", value)
    value = value.strip()
    if _SPACES.search(value) is None:
        return value
    return _CJK_GAP.sub("", _SPACES.sub(" ", value))


def code(raw: object) -> str:
    """A code (division code, plate, certificate number): text with every space removed, upper case."""
    value = text(raw)
    if " " in value:
        value = value.replace(" ", "")
    return value.upper().lstrip("'")


def _excel_serial(serial: float) -> date:
    if not 1 <= serial < 2958466:
        raise CellError(f"日期无法识别（{DATE_FORMATS_HINT}）")
    return EXCEL_EPOCH + timedelta(days=int(serial))


def _checked(value: date, *, allow_future: bool, today: date) -> date:
    if value < EARLIEST:
        raise CellError("日期早于1900年，请核对")
    if not allow_future and value > today:
        raise CellError("日期晚于今天，请核对")
    return value


def parse_date(raw: object, *, allow_future: bool = False, today: date | None = None) -> date:
    """A calendar date from a date cell, an Excel serial number, or text in the usual forms."""
    today = today or date.today()
    if isinstance(raw, datetime):
        return _checked(raw.date(), allow_future=allow_future, today=today)
    if isinstance(raw, date):
        return _checked(raw, allow_future=allow_future, today=today)
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        if isinstance(raw, int) and 10000000 <= raw <= 99991231:
            return parse_date(str(raw), allow_future=allow_future, today=today)
        return _checked(_excel_serial(float(raw)), allow_future=allow_future, today=today)
    value = text(raw)
    if timed := _DATE_TIME_SUFFIX.match(value):
        value = timed.group(1)
    value = value.replace(" ", "")
    if not value:
        raise CellError("日期为空")
    match = _DATE_PARTS.match(value) or _DATE_COMPACT.match(value)
    if match is None:
        if _SERIAL.match(value):
            return _checked(_excel_serial(float(value)), allow_future=allow_future, today=today)
        raise CellError(f"日期无法识别（{DATE_FORMATS_HINT}）")
    try:
        parsed = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise CellError("日期不存在（月份或日数超出范围）") from None
    return _checked(parsed, allow_future=allow_future, today=today)


def parse_month(raw: object, *, today: date | None = None) -> tuple[date, date]:
    """A calendar month (所属期) as its first and last day: 2024-01, 202401, 2024年1月, or a date."""
    today = today or date.today()
    if isinstance(raw, int) and 190001 <= raw <= 999912:
        raw = str(raw)
    start: date | None = None
    if isinstance(raw, str):
        value = code(raw)
        match = _MONTH_PARTS.match(value) or _MONTH_COMPACT.match(value)
        if match is not None:
            year, month = int(match.group(1)), int(match.group(2))
            if not 1 <= month <= 12:
                raise CellError("所属期的月份应在1至12之间")
            start = date(year, month, 1)
    if start is None:
        try:
            start = parse_date(raw, allow_future=True, today=today).replace(day=1)
        except CellError as exc:
            if exc.reason == "日期为空":
                raise CellError("所属期为空") from None
            raise CellError("所属期无法识别（可用格式：2024-01、202401、2024年1月）") from None
    if start < EARLIEST:
        raise CellError("所属期早于1900年，请核对")
    if start > today:
        raise CellError("所属期晚于本月，请核对")
    following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start, following - timedelta(days=1)


def _decimal(raw: object, noise: re.Pattern[str], what: str) -> Decimal:
    if isinstance(raw, bool):
        raise CellError(f"{what}不是有效数字")
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            raise CellError(f"{what}不是有效数字")
        return Decimal(repr(raw))
    if raw.__class__ is str and raw.isascii():
        try:  # the common case, a plain number: no clean-up needed
            number = Decimal(raw)
        except InvalidOperation:
            pass
        else:
            if number.is_finite():
                return number
    value = noise.sub("", unicodedata.normalize("NFKC", str(raw or "")))
    value = value.replace("−", "-").replace("－", "-")
    if value.startswith("(") and value.endswith(")"):  # accountants' negative
        value = "-" + value[1:-1]
    if not value:
        raise CellError(f"{what}为空")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise CellError(f"{what}不是有效数字") from None
    if not number.is_finite():
        raise CellError(f"{what}不是有效数字")
    return number


def parse_money(raw: object) -> Decimal:
    """An amount in yuan, 2 places (rounded half up); never negative."""
    number = _decimal(raw, _MONEY_NOISE, "金额")
    if number < 0:
        raise CellError("金额不能为负数")
    if number >= MONEY_MAX:
        raise CellError("金额过大，请核对单位（应以元为单位）")
    return number.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_area(raw: object) -> Decimal:
    """A floor area in square metres, 2 places; never negative."""
    number = _decimal(raw, _AREA_NOISE, "面积")
    if number < 0:
        raise CellError("面积不能为负数")
    if number >= AREA_MAX:
        raise CellError("面积过大，请核对（应以平方米为单位）")
    return number.quantize(CENT, rounding=ROUND_HALF_UP)


def normalise_key(raw: object) -> str:
    """How a choice or a header is compared: full-width folded, spaces and marks removed."""
    value = unicodedata.normalize("NFKC", str(raw or ""))
    return re.sub(r"[\s*＊:：]", "", value).lower()


def parse_choice(raw: object, choices: Mapping[str, str], shown: tuple[str, ...]) -> str:
    """The enumerated value whose accepted spelling ``raw`` is.

    ``choices`` maps normalised spellings (see ``normalise_key``) to values; ``shown`` are the
    spellings the error lists.
    """
    key = normalise_key(text(raw))
    if not key:
        raise CellError("该项为空")
    try:
        return choices[key]
    except KeyError:
        raise CellError(f"不是可接受的值，可填：{'、'.join(shown)}") from None


_USCC = re.compile(r"^[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}$")


def parse_credit_code(raw: object) -> str:
    """A unified social credit code (统一社会信用代码, GB 32100): 18 characters of its alphabet."""
    value = code(raw)
    if not value:
        raise CellError("统一社会信用代码为空")
    if len(value) != 18:
        raise CellError(f"统一社会信用代码应为18位，实际为{len(value)}位")
    if not _USCC.match(value):
        raise CellError("统一社会信用代码含有不允许的字符（不使用I、O、Z、S、V）")
    return value
