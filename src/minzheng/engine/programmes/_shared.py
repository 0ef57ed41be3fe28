"""Pieces several programmes share: the 低保 standard by area type and the 低保 asset tests."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from minzheng.engine.expr import fraction, int_lit, param_fen, param_int, round_div, to_fen
from minzheng.engine.parameters import ParameterSnapshot, Value

STANDARD_PARAMETERS = ("dibao.standard.urban", "dibao.standard.rural")
INCOME_PARAMETERS = ("income.lookback_months", "income.excluded_kinds", "income.imputed_wage")
ASSET_PARAMETERS = (
    "dibao.assets.financial_multiple",
    "dibao.assets.major_illness_exemption",
    "dibao.assets.vehicle_exempt_value",
)
HOUSING_PARAMETERS = (
    "dibao.housing.homes_threshold",
    "dibao.housing.area_multiple",
    "housing.minimum_security_area",
)


def standard_fen(
    snap: ParameterSnapshot, area_type: ir.StringValue, division_code: ir.StringValue
) -> ir.IntegerValue:
    """The 低保 standard (fen per person per month) for the household's area type."""
    return ibis.cases(
        (area_type == "urban", param_fen(snap, "dibao.standard.urban", division_code)),
        (area_type == "rural", param_fen(snap, "dibao.standard.rural", division_code)),
        else_=int_lit(None),
    )


def per_capita_fen(
    total_fen: ir.IntegerValue, months: int | None, members: ir.IntegerValue
) -> ir.IntegerValue:
    """Monthly income per counted member, rounded to the fen (null when unknown or no members)."""
    if not months:
        return int_lit(None)
    return ibis.ifelse(members > 0, round_div(total_fen, members * months), int_lit(None))


def below_multiple(
    total_fen: ir.IntegerValue,
    months: int | None,
    members: ir.IntegerValue,
    standard: ir.IntegerValue,
    multiple: Value = 1,
) -> ir.BooleanValue:
    """income per capita < multiple × standard, exactly: total × den < num × standard × n × months."""
    ratio = fraction(multiple)
    if ratio is None or not months:
        return ibis.null("boolean")
    return total_fen * ratio.denominator < standard * members * (months * ratio.numerator)


def financial_within(
    snap: ParameterSnapshot,
    financial_fen: ir.IntegerValue,
    ill_members: ir.IntegerValue,
    members: ir.IntegerValue,
    standard: ir.IntegerValue,
) -> tuple[ir.BooleanValue, ir.IntegerValue]:
    """Financial assets minus the major-illness exemption ≤ multiple × standard × members.

    Returns the condition and the limit (fen) for the explanation.
    """
    ratio = fraction(snap.value("dibao.assets.financial_multiple"))
    exemption = int_lit(to_fen(snap.value("dibao.assets.major_illness_exemption")))
    if ratio is None:
        return ibis.null("boolean"), int_lit(None)
    limit = (standard * members * ratio.numerator) // ratio.denominator
    exempt = ibis.ifelse(ill_members > 0, exemption * ill_members, 0)
    counted = financial_fen - exempt
    cond = counted * ratio.denominator <= standard * members * ratio.numerator
    return cond, (limit + exempt).cast("int64")


def housing_within(
    snap: ParameterSnapshot,
    homes: ir.IntegerValue,
    home_area_centi: ir.IntegerValue,
    members: ir.IntegerValue,
) -> ir.BooleanValue:
    """Not (homes ≥ threshold and area per capita > multiple × minimum security area)."""
    threshold = param_int(snap, "dibao.housing.homes_threshold")
    ratio = fraction(snap.value("dibao.housing.area_multiple"))
    minimum = to_fen(snap.value("housing.minimum_security_area"))  # m² × 100
    if threshold is None:
        return ibis.null("boolean")
    few_homes = homes < threshold
    if ratio is None or minimum is None:
        return few_homes | ibis.null("boolean")
    too_big = home_area_centi * ratio.denominator > members * (minimum * ratio.numerator)
    return few_homes | ~too_big
