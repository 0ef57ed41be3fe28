"""Resident ID numbers (居民身份证号码, GB 11643-1999): parse, check, normalise.

18 characters: address code (6) + birth date YYYYMMDD (8) + sequence (3, odd = male) + a MOD 11-2
check character. Old 15-digit numbers gain "19" before the year and a check character. Input from
spreadsheets is messy: full-width digits, spaces, a lowercase x, or a number Excel turned into a float
("5.00101199001011e+17" cannot be recovered and is refused; "500101199001011234.0" can).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_EIGHTEEN = re.compile(r"^[0-9]{17}[0-9X]$")
_FIFTEEN = re.compile(r"^[0-9]{15}$")


class InvalidIdNumber(ValueError):
    """The text is not a valid resident ID number; ``reason`` says why, in Chinese."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class IdNumber:
    """A checked, normalised 18-character ID number and what it encodes."""

    value: str
    address_code: str
    birth_date: date
    sex: str  # "M" or "F"

    @property
    def county_code(self) -> str:
        return self.address_code


def check_character(first17: str) -> str:
    """The MOD 11-2 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def clean(raw: object) -> str:
    """Strip the noise spreadsheets add: full-width characters, spaces, ``.0``, lowercase x."""
    if raw is None:
        return ""
    if isinstance(raw, int):
        text = str(raw)
    elif isinstance(raw, float):
        if raw != raw or raw > 1e15:  # NaN, or an 18-digit number Excel rounded: digits lost
            return format(raw, "g").upper() if raw == raw else ""
        text = str(int(raw))
    else:
        text = unicodedata.normalize("NFKC", str(raw))
    text = re.sub(r"\s+", "", text).upper()
    if text.endswith(".0"):
        text = text[:-2]
    return text.lstrip("'")


def parse(raw: object) -> IdNumber:
    """Parse and check ``raw``; raise ``InvalidIdNumber`` with the reason when it is not valid."""
    text = clean(raw)
    if not text:
        raise InvalidIdNumber("身份证号码为空")
    if "E+" in text:
        raise InvalidIdNumber(
            "身份证号码被表格软件存成了科学计数法，后几位已丢失，请以文本格式重新导出"
        )
    if _FIFTEEN.match(text):
        first17 = text[:6] + "19" + text[6:]
        text = first17 + check_character(first17)
    if len(text) != 18:
        raise InvalidIdNumber(f"身份证号码应为18位，实际为{len(text)}位")
    if not _EIGHTEEN.match(text):
        raise InvalidIdNumber("身份证号码只能由数字和末位的X组成")
    try:
        birth = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise InvalidIdNumber("身份证号码中的出生日期不存在") from None
    if birth.year < 1880 or birth > date.today():
        raise InvalidIdNumber("身份证号码中的出生日期不合理")
    expected = check_character(text[:17])
    if text[17] != expected:
        raise InvalidIdNumber(f"身份证号码校验位错误（应为{expected}）")
    return IdNumber(
        value=text,
        address_code=text[:6],
        birth_date=birth,
        sex="M" if int(text[16]) % 2 == 1 else "F",
    )


def mask(value: str) -> str:
    """The form shown in lists: 500101********123X."""
    if len(value) != 18:
        return "*" * len(value)
    return value[:6] + "*" * 8 + value[14:]
