"""Small expression helpers shared by the facts and the programmes.

Money is computed in whole fen (int64) so that sums, comparisons and the amount are exact and
identical on every backend; ratios are applied as integer fractions (cross-multiplication), never
as floating point. Conditions are nullable booleans: true (met), false (not met), null (unknown);
SQL's AND/OR give Kleene's three-valued logic, which is exactly "unknown unless decided".
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import ibis
import ibis.expr.datatypes as dtypes
import ibis.expr.operations as ops
import ibis.expr.types as ir

from minzheng.engine.parameters import ParameterSnapshot, Value

MONEY_TYPE = "decimal(14, 2)"


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole calendar months (clamped to the month's last day)."""
    total = day.year * 12 + (day.month - 1) + months
    year, month = divmod(total, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def to_fen(value: Value) -> int | None:
    """A yuan amount as whole fen (half-up), ``None`` when unknown."""
    if value is None:
        return None
    if isinstance(value, tuple):
        raise TypeError("a list of kinds is not money")
    return int((Decimal(value) * 100).to_integral_value(ROUND_HALF_UP))


def int_lit(value: int | None) -> ir.IntegerValue:
    """An int64 literal, or a typed null for an unknown value."""
    if value is None:
        return ibis.null("int64")
    return ibis.literal(int(value), type="int64")


def str_lit(value: str | None) -> ir.StringValue:
    return ibis.null("string") if value is None else ibis.literal(value, type="string")


def bool_null() -> ir.BooleanValue:
    return ibis.null("boolean")


def fen_col(money: ir.Value) -> ir.IntegerValue:
    """A decimal(14, 2) yuan column as int64 fen (exact)."""
    return (money * 100).cast("int64")


def fen_to_money(fen: ir.IntegerValue) -> ir.DecimalValue:
    """int64 fen back to decimal(14, 2) yuan, exactly (decimal multiplication, no division)."""
    return (fen.cast("decimal(18, 0)") * ibis.literal(Decimal("0.01"))).cast(MONEY_TYPE)


def round_div(numerator: ir.IntegerValue, denominator: int | ir.IntegerValue) -> ir.IntegerValue:
    """numerator / denominator rounded half up, for non-negative integers."""
    return ((numerator * 2 + denominator) // (denominator * 2)).cast("int64")


def fraction(value: Value) -> Fraction | None:
    """A ratio parameter as an exact fraction (1.5 → 3/2), ``None`` when unknown."""
    if value is None:
        return None
    if isinstance(value, tuple):
        raise TypeError("a list of kinds is not a ratio")
    return Fraction(Decimal(value))


def date_key(day: ir.DateValue) -> ir.IntegerValue:
    return (day.year() * 10000 + day.month() * 100 + day.day()).cast("int64")


def age_on(birth_date: ir.DateValue, as_of: dt.date) -> ir.IntegerValue:
    """Completed years of age on ``as_of`` (null when the birth date is unknown)."""
    as_of_key = as_of.year * 10000 + as_of.month * 100 + as_of.day
    return ((ibis.literal(as_of_key, type="int64") - date_key(birth_date)) // 10000).cast("int64")


def day_span(start: ir.DateValue, end: ir.DateValue) -> ir.IntegerValue:
    """Days from ``start`` to ``end`` inclusive."""
    return (end.delta(start, unit="day") + 1).cast("int64")


def not3(cond: ir.BooleanValue) -> ir.BooleanValue:
    """Three-valued NOT written as ``cond = FALSE``.

    Ibis prints ``NOT x`` under ``IS NULL`` as ``NOT (x) IS NULL``, which SQL reads as
    ``NOT ((x) IS NULL)``; once projections are merged a negated condition could be tested for
    null that way. ``x = FALSE`` has the same truth table and no such trap.
    """
    return cond == ibis.literal(False)


def status_of(decided: ir.BooleanValue) -> ir.StringValue:
    """eligible / ineligible / unknown from a three-valued condition."""
    return ibis.cases(
        (decided.isnull(), "unknown"), (decided, "eligible"), else_="ineligible"
    ).cast("string")


def truth(status: ir.StringValue) -> ir.BooleanValue:
    """A status back to a three-valued boolean (eligible → true, unknown → null)."""
    return ibis.cases(
        (status == "eligible", True), (status == "ineligible", False), else_=bool_null()
    )


def any3(true_count: ir.IntegerValue, null_count: ir.IntegerValue) -> ir.BooleanValue:
    """Three-valued "any": true if one is true, else unknown if one is unknown, else false."""
    return ibis.cases((true_count > 0, True), (null_count > 0, bool_null()), else_=False)


def flag(cond: ir.BooleanValue) -> ir.IntegerValue:
    """1 where ``cond`` is true, else 0 (unknown counts as not true): a cast, not a CASE, which
    costs several times as much per row."""
    return cond.fill_null(False).cast("int64")


def int64_sum(value: ir.IntegerValue) -> ir.IntegerValue:
    """The sum of an int64 column as int64, cast in the SQL on every backend.

    DuckDB sums BIGINT into HUGEINT (128 bits) while Ibis types the sum as int64 and drops a
    cast to int64 as a no-op: without the explicit cast every figure derived from a sum — the
    household's income, assets, member counts, amounts — was computed, compared and kept in
    128-bit arithmetic (about an eighth of a whole-population run's instructions). A filtered
    sum (``FILTER (WHERE …)``) instead of summing a ``CASE … ELSE NULL`` cost more, not less:
    each filter is an expression of its own for DuckDB to set up and evaluate.
    """
    return ops.Cast(value.sum(), to=dtypes.int64).to_expr()


def count_true(cond: ir.BooleanValue) -> ir.IntegerValue:
    """How many rows of the group have ``cond`` true (unknown counts as not true)."""
    return _count_rows(cond.fill_null(False))


def count_null(cond: ir.BooleanValue) -> ir.IntegerValue:
    """How many rows of the group have ``cond`` unknown."""
    return _count_rows(cond.isnull())


def _count_rows(where: ir.BooleanValue) -> ir.IntegerValue:
    """``COUNT(*) FILTER (WHERE where)`` on DuckDB: a count's state is one int64 and no value
    is computed per row; summing 0/1 flags (even three packed in one int64) cost about twice
    as much in the per-household member aggregate of a whole population (a plan run on one
    household pays more for setting up the filters: it packs its counts, ``count_packed``).
    Spark sums the flags."""
    (table,) = where.op().relations
    return ops.CountStar(table, where=where).to_expr()


# Three counts of one group summed as one int64 (20 bits each), for a plan that runs on a few
# rows (``facts.member_aggregates(packed=True)``): one aggregate to set up instead of three. A
# group of 2^20 rows or more could carry over; its counts read as unknown.
PACK_BITS = 20
PACK_LIMIT = 1 << PACK_BITS


def count_packed(*conds: ir.BooleanValue) -> ir.IntegerValue:
    """How many rows of the group have each of (up to three) conditions true, packed."""
    if not 1 <= len(conds) <= 3:
        raise ValueError("one to three conditions")
    value: ir.IntegerValue = flag(conds[0])
    for i, cond in enumerate(conds[1:], start=1):
        value = value + flag(cond) * (1 << (PACK_BITS * i))
    return int64_sum(value)


def packed_or_null(packed: ir.IntegerValue, rows: ir.IntegerValue) -> ir.IntegerValue:
    """A ``count_packed`` total over ``rows`` rows, null if a count could have carried into the
    next (decided once per total; ``unpack`` then needs no test per count)."""
    return ibis.ifelse(rows < PACK_LIMIT, packed, int_lit(None)).cast("int64")


def unpack(packed: ir.IntegerValue, index: int) -> ir.IntegerValue:
    """Count ``index`` of a ``packed_or_null`` total (null stays null)."""
    return ((packed >> (PACK_BITS * index)) & (PACK_LIMIT - 1)).cast("int64")


def param_fen(
    snap: ParameterSnapshot, name: str, division_code: ir.StringValue | None = None
) -> ir.IntegerValue:
    """A money parameter in fen, per division where overrides exist (looked up for all rows at once)."""
    city = int_lit(to_fen(snap.value(name)))
    overrides = snap.overrides(name) if division_code is not None else {}
    if not overrides or division_code is None:
        return city
    branches = [
        (division_code.startswith(code), int_lit(to_fen(res.value)))
        for code, res in sorted(overrides.items(), key=lambda kv: -len(kv[0]))
    ]
    return ibis.cases(*branches, else_=city)


def param_int(snap: ParameterSnapshot, name: str) -> int | None:
    value = snap.value(name)
    if value is None:
        return None
    if not isinstance(value, int):
        raise TypeError(f"{name} is not a whole number")
    return value


def param_kinds(snap: ParameterSnapshot, name: str) -> tuple[str, ...] | None:
    value = snap.value(name)
    if value is None:
        return None
    if not isinstance(value, tuple):
        raise TypeError(f"{name} is not a list of kinds")
    return value
