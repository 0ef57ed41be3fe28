"""刚性支出困难家庭 — rigid_hardship, decided per household.

Legal basis: 重庆市刚性支出困难家庭认定办法（试行）（渝民规〔2025〕1号, 2025-04-14 [G]）; national
民发〔2024〕57号. A household not on 低保, 特困 or 低保边缘 qualifies when its income per capita is
below last year's local per-capita disposable income, its assets are within the local rules (the
低保 asset tests), and its rigid spending (medical, education, rehabilitation and similar) over the
12 months before the date reaches 70 % of its income over the same months. Recognition lasts at
most 12 months. Before the rule took effect the programme answers ``unknown``.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from minzheng.engine import facts
from minzheng.engine.expr import fraction, not3
from minzheng.engine.programmes import dibao
from minzheng.engine.programmes._shared import (
    ASSET_PARAMETERS,
    HOUSING_PARAMETERS,
    INCOME_PARAMETERS,
)
from minzheng.engine.programmes.base import Condition, Context, Programme

DISPOSABLE = ("disposable_income.previous_year.urban", "disposable_income.previous_year.rural")

CONDITIONS = (
    Condition("not_on_higher_tier", "不是低保、特困或低保边缘家庭"),
    Condition(
        "income_below_disposable",
        "家庭人均收入低于上年度当地居民人均可支配收入",
        parameters=(*INCOME_PARAMETERS, *DISPOSABLE),
        values=("income_per_capita_fen", "disposable_monthly_fen"),
    ),
    Condition(
        "assets_within_rules", "家庭财产符合规定", parameters=ASSET_PARAMETERS + HOUSING_PARAMETERS
    ),
    Condition(
        "rigid_spending_share",
        "近 12 个月刚性支出达到同期家庭收入的 70%",
        parameters=(
            "rigid_hardship.spending_share",
            "rigid_hardship.lookback_months",
            "rigid_hardship.expenditure_kinds",
        ),
        values=("rigid_spending_fen", "rigid_income_fen"),
    ),
)


def disposable_fen(
    ctx: Context, area_type: ir.StringValue, division: ir.StringValue
) -> ir.IntegerValue:
    """Last year's per-capita disposable income (fen per year) for the area type."""
    return facts.disposable_fen(ctx.snap, area_type, division)


def compute(ctx: Context) -> ir.Table:
    h = ctx.facts.households
    h = h.filter(h.registered)
    months = ctx.facts.windows.income_months
    d = dibao.columns(ctx, h)
    higher = h.dibao_on | h.near_dibao_on | h.tekun_on
    disposable = disposable_fen(ctx, h.area_type, h.division_code)
    n = h.counted_members
    below = h.income_fen * 12 < disposable * n * months if months else ibis.null("boolean")
    share = fraction(ctx.snap.value("rigid_hardship.spending_share"))
    if share is None or ctx.facts.windows.rigid_months is None:
        spending_ok: ir.BooleanValue = ibis.null("boolean")
    else:
        spending_ok = (h.rigid_spending_fen > 0) & (
            h.rigid_spending_fen * share.denominator >= h.rigid_income_fen * share.numerator
        )
    return h.select(
        "household_id",
        "division_code",
        "county_code",
        "area_type",
        "counted_members",
        "rigid_spending_fen",
        "rigid_income_fen",
        standard_fen=d["standard_fen"],
        income_per_capita_fen=d["income_per_capita_fen"],
        enrolled=h.enrolled_rigid_hardship,
        disposable_monthly_fen=(disposable // 12).cast("int64"),
        c_not_on_higher_tier=not3(higher),
        c_income_below_disposable=below & (n > 0),
        c_assets_within_rules=dibao.assets_ok(d),
        c_rigid_spending_share=spending_ok,
        amount_fen=ibis.literal(0, type="int64"),
        detail=ibis.literal(""),
    )


# The legal basis as a caseworker reads it (the module docstring says it for developers).
LEGAL_BASIS = (
    "《重庆市刚性支出困难家庭认定办法（试行）》（渝民规〔2025〕1号，"
    "2025-04-14 起施行）；民发〔2024〕57号。"
    "不属于低保、特困、低保边缘，月人均收入低于上年度当地居民人均可支配收入、"
    "财产符合规定，且近 12 个月刚性支出达到家庭收入 70% 的家庭。"
)

PROGRAMME = Programme(
    name="rigid_hardship",
    label="刚性支出困难家庭",
    level="household",
    legal_basis=LEGAL_BASIS,
    conditions=CONDITIONS,
    compute=compute,
    cash=False,
)
