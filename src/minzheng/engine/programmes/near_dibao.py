"""低保边缘家庭 — near_dibao, decided per household.

Legal basis: 国务院办公厅转发民政部等单位《关于加强低收入人口动态监测做好分层分类社会救助工作的
意见》（国办发〔2023〕39号）. A household not on 低保 and with no member on 特困 qualifies when its
income per capita is below the multiple (1.5) of the 低保 standard and it passes the same asset tests
as 低保 (no local rule says otherwise). No cash: it opens special assistance (medical, education,
housing, employment) and 单人保 for severely disabled or ill members.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from minzheng.engine.expr import any3, count_null, count_true, fraction, int_lit
from minzheng.engine.programmes._shared import (
    ASSET_PARAMETERS,
    HOUSING_PARAMETERS,
    INCOME_PARAMETERS,
    STANDARD_PARAMETERS,
    below_multiple,
)
from minzheng.engine.programmes.base import Condition, Context, Programme

CONDITIONS = (
    Condition("not_on_dibao", "不是低保家庭（未享受且不符合低保）"),
    Condition("no_member_on_tekun", "家庭成员均不是特困人员"),
    Condition(
        "income_below_multiple",
        "家庭月人均收入低于低保标准的 1.5 倍",
        parameters=("near_dibao.income_multiple", *INCOME_PARAMETERS, *STANDARD_PARAMETERS),
        values=("income_per_capita_fen", "limit_fen"),
    ),
    Condition(
        "assets_within_rules",
        "家庭财产符合低保的财产规定",
        parameters=ASSET_PARAMETERS + HOUSING_PARAMETERS,
    ),
)


def tekun_members(ctx: Context) -> ir.Table:
    """Per household: whether a member is on 特困 (eligible now or enrolled), three-valued."""
    on = ctx.on("tekun")
    agg = on.group_by("household_id").aggregate(t_true=count_true(on.on), t_null=count_null(on.on))
    return agg.select(t_household="household_id", any_tekun=any3(agg.t_true, agg.t_null))


def compute(ctx: Context) -> ir.Table:
    d = ctx.frames["dibao"]
    h = ctx.facts.households
    months = ctx.facts.windows.income_months
    dibao_on = ctx.on("dibao").select(d_household="household_id", dibao_on="on")
    tk = tekun_members(ctx)
    hx = h.select(
        h_household="household_id", income_fen="income_fen", enrolled="enrolled_near_dibao"
    )
    f = d.join(dibao_on, d.household_id == dibao_on.d_household)
    f = f.join(hx, f.household_id == hx.h_household)
    f = f.left_join(tk, f.household_id == tk.t_household)
    multiple = ctx.snap.value("near_dibao.income_multiple")
    ratio = fraction(multiple)
    limit = (f.standard_fen * ratio.numerator) // ratio.denominator if ratio else int_lit(None)
    return f.select(
        "household_id",
        "division_code",
        "county_code",
        "area_type",
        "counted_members",
        "standard_fen",
        "income_per_capita_fen",
        "enrolled",
        limit_fen=limit.cast("int64"),
        c_not_on_dibao=~f.dibao_on,
        # no 特困 row for the household means no member is in 特困's target group
        c_no_member_on_tekun=~ibis.ifelse(f.t_household.isnull(), False, f.any_tekun),
        c_income_below_multiple=below_multiple(
            f.income_fen, months, f.counted_members, f.standard_fen, multiple
        ),
        c_assets_within_rules=(
            f.c_financial_assets_within_limit
            & f.c_no_disqualifying_vehicle
            & f.c_no_business_role
            & f.c_housing_within_limit
        ),
        amount_fen=ibis.literal(0, type="int64"),
        detail=ibis.literal(""),
    )


PROGRAMME = Programme(
    name="near_dibao",
    label="低保边缘家庭",
    level="household",
    legal_basis=__doc__ or "",
    conditions=CONDITIONS,
    compute=compute,
    cash=False,
)
