"""Column builders for feed declarations: ID number, name, date, month, money, choices, codes.

Each builder returns a ``Column`` whose ``parse`` turns a raw cell into a typed value or raises
``CellError`` with the reason in Chinese. Enumerated columns accept the schema's own values, the
Chinese labels of ``registry.labels`` and the spellings departments use (``aliases``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import translation

from minzheng.registry import idnumbers
from minzheng.registry.ingest import values
from minzheng.registry.ingest.spec import Column, ParseContext
from minzheng.registry.ingest.values import CellError

CHINESE = "zh-hans"
SEEN_LIMIT = 10_000


# MOD 11-2 weights are 2**(17 - i) mod 11 and 13 ≡ 2 (mod 11): the weighted sum of the first
# 17 digits is 2 × (their value read in base 13), modulo 11.
_CHECK = idnumbers.CHECK_CHARS


def _clean_id_number(raw: str, ctx: ParseContext) -> idnumbers.IdNumber | None:
    """A well-formed 18-character cell checked without clean-up; ``None`` for anything else
    (``idnumbers.parse`` then cleans it or says what is wrong)."""
    first = raw[:17]
    if not first.isdigit():
        return None
    last = raw[17]
    if last == "x":
        last = "X"
    if _CHECK[(2 * int(first, 13)) % 11] != last:
        return None
    try:
        birth = date(int(raw[6:10]), int(raw[10:12]), int(raw[12:14]))
    except ValueError:
        return None
    if birth.year < 1880 or birth > ctx.today:
        return None
    return idnumbers.IdNumber(
        value=first + last,
        address_code=raw[:6],
        birth_date=birth,
        sex="M" if raw[16] in "13579" else "F",
    )


def _id_number(raw: object, ctx: ParseContext) -> idnumbers.IdNumber:
    # Most cells are already clean (18 ASCII characters): checked directly, which is several
    # times faster than the general path with its clean-up.
    if raw.__class__ is str and len(raw) == 18 and raw.isascii():
        parsed = _clean_id_number(raw, ctx)
        if parsed is not None:
            return parsed
    try:
        return idnumbers.parse(raw)
    except idnumbers.InvalidIdNumber as exc:
        raise CellError(exc.reason) from None


def id_number(
    header: str = "身份证号码", *, key: str = "id_number", required: bool = True
) -> Column:
    """The resident ID number (18 characters; 15-digit numbers, numbers Excel stored, x accepted)."""
    aliases = ("公民身份号码", "身份证号", "居民身份证号码", "证件号码", "身份证件号码")
    return Column(
        key=key,
        header=header,
        parse=_id_number,
        required=required,
        aliases=tuple(a for a in aliases if a != header) if key == "id_number" else (),
        help="18位居民身份证号码，末位X大小写均可",
        example="500101199001011234",
        memo=True,
        text=True,
    )


def _text_parser(max_length: int, what: str) -> Any:
    def parse(raw: object, ctx: ParseContext) -> str:
        value = values.text(raw)
        if len(value) > max_length:
            raise CellError(f"{what}过长（最多{max_length}个字）")
        return value

    return parse


def text(
    key: str,
    header: str,
    *,
    required: bool = True,
    aliases: tuple[str, ...] = (),
    max_length: int = 200,
    help: str = "",
    example: str = "",
) -> Column:
    """Free text, cleaned of stray spaces and full-width forms."""
    return Column(key, header, _text_parser(max_length, header), required, aliases, help, example)


def name(required: bool = True) -> Column:
    """The person's name; feeds that do not create persons check it against the registry."""
    return text(
        "name",
        "姓名",
        required=required,
        aliases=("人员姓名", "公民姓名"),
        max_length=60,
        example="张三",
    )


def _code_parser(max_length: int, what: str) -> Any:
    def parse(raw: object, ctx: ParseContext) -> str:
        value = values.code(raw)
        if len(value) > max_length:
            raise CellError(f"{what}过长（最多{max_length}位）")
        return value

    return parse


def code(
    key: str,
    header: str,
    *,
    required: bool = True,
    aliases: tuple[str, ...] = (),
    max_length: int = 64,
    help: str = "",
    example: str = "",
) -> Column:
    """A number or code written as text (plate, certificate number): spaces removed, upper case."""
    return Column(
        key, header, _code_parser(max_length, header), required, aliases, help, example, text=True
    )


def day(
    key: str,
    header: str,
    *,
    required: bool = True,
    aliases: tuple[str, ...] = (),
    allow_future: bool = False,
    help: str = "",
) -> Column:
    """A date: a date cell, an Excel serial, or 2024-01-05 / 2024/1/5 / 2024年1月5日 / 20240105."""

    def parse(raw: object, ctx: ParseContext) -> date:
        return values.parse_date(raw, allow_future=allow_future, today=ctx.today)

    return Column(key, header, parse, required, aliases, help, "2024-01-05", memo=True)


def month(key: str, header: str, *, aliases: tuple[str, ...] = ()) -> Column:
    """A calendar month (所属期): 2024-01, 202401 or 2024年1月; parsed to (first day, last day)."""

    def parse(raw: object, ctx: ParseContext) -> tuple[date, date]:
        return values.parse_month(raw, today=ctx.today)

    return Column(key, header, parse, True, aliases, "所属月份", "2024-01")


def money(key: str, header: str, *, required: bool = True, aliases: tuple[str, ...] = ()) -> Column:
    """An amount in yuan (元), two decimals, not negative."""

    def parse(raw: object, ctx: ParseContext) -> Decimal:
        return values.parse_money(raw)

    return Column(key, header, parse, required, aliases, "以元为单位，最多两位小数", "1200.50")


def area(key: str, header: str, *, aliases: tuple[str, ...] = ()) -> Column:
    """A floor area in square metres."""

    def parse(raw: object, ctx: ParseContext) -> Decimal:
        return values.parse_area(raw)

    return Column(key, header, parse, True, aliases, "平方米", "86.5")


def credit_code(key: str, header: str = "统一社会信用代码") -> Column:
    """A unified social credit code (18 characters)."""

    def parse(raw: object, ctx: ParseContext) -> str:
        return values.parse_credit_code(raw)

    return Column(
        key,
        header,
        parse,
        True,
        ("信用代码", "社会信用代码"),
        "18位",
        "91500000MA5U000000",
        text=True,
    )


def division(key: str = "division", header: str = "区划代码", **kw: Any) -> Column:
    """A village-level division code (12 digits), checked against the division table."""

    def parse(raw: object, ctx: ParseContext) -> int:
        return ctx.division(raw)

    return Column(
        key,
        header,
        parse,
        kw.get("required", True),
        kw.get("aliases", ()),
        "12位村(社区)级行政区划代码",
        "500101001001",
        text=True,
    )


class Choices:
    """The accepted spellings of an enumerated column, built on first use.

    Labels from ``registry.labels`` are lazy translations; they are read in Chinese (the
    language departments write in, whatever the page's language) when the table is first needed.
    """

    def __init__(self, accepted: Mapping[Any, Iterable[str]], labels: Mapping[Any, Any] | None):
        self._accepted = accepted
        self._labels = labels
        self._built: tuple[dict[str, Any], tuple[str, ...]] | None = None
        self._seen: dict[Any, Any] = {}

    def _build(self) -> tuple[dict[str, Any], tuple[str, ...]]:
        if self._built is None:
            table: dict[str, Any] = {}
            shown: list[str] = []
            with translation.override(CHINESE):
                for value, spellings in self._accepted.items():
                    words = list(spellings)
                    if self._labels is not None and value in self._labels:
                        words.insert(0, str(self._labels[value]))
                    if isinstance(value, str) and value:
                        words.append(value)
                    for word in words:
                        table.setdefault(values.normalise_key(word), value)
                    if words:
                        shown.append(words[0])
            self._built = (table, tuple(shown))
        return self._built

    @property
    def table(self) -> dict[str, Any]:
        """Normalised spelling → value."""
        return self._build()[0]

    @property
    def shown(self) -> tuple[str, ...]:
        """One spelling per value, as an error message or the feed page lists them."""
        return self._build()[1]

    def parse(self, raw: object, ctx: ParseContext) -> Any:
        # A column holds few distinct spellings: remember what each one meant.
        try:
            return self._seen[raw]
        except (KeyError, TypeError):
            pass
        table, shown = self._build()
        value = values.parse_choice(raw, table, shown)
        if len(self._seen) < SEEN_LIMIT:
            self._seen[raw] = value
        return value


def choice(
    key: str,
    header: str,
    accepted: Mapping[Any, Iterable[str]],
    *,
    labels: Mapping[Any, Any] | None = None,
    required: bool = True,
    aliases: tuple[str, ...] = (),
) -> Column:
    """One of a fixed set of values, written in any of its accepted spellings."""
    choices = Choices(accepted, labels)
    return Column(key, header, choices.parse, required, aliases, choices=choices)
