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

from minzheng.engine.expr import any3, count_null, count_true, fraction, int_lit, not3, truth
from minzheng.engine.programmes import dibao
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


def tekun_on(tekun_frame: ir.Table) -> ir.Table:
    """Per household with a 特困 subject: whether a member is on 特困 (eligible or enrolled)."""
    on_ = truth(tekun_frame.status) | tekun_frame.enrolled
    agg = tekun_frame.group_by(t_household=tekun_frame.household_id).aggregate(
        t_true=count_true(on_), t_null=count_null(on_)
    )
    return agg.select("t_household", any_tekun=any3(agg.t_true, agg.t_null))


def columns(ctx: Context, h: ir.Table) -> dict[str, ir.Value]:
    """The 低保边缘 frame's columns on a relation with the household facts and ``dibao_on``,
    ``tekun_on`` (no 特困 subject in the household counts as no member on 特困)."""
    months = ctx.facts.windows.income_months
    d = dibao.columns(ctx, h)
    multiple = ctx.snap.value("near_dibao.income_multiple")
    ratio = fraction(multiple)
    std = d["standard_fen"]
    limit = (std * ratio.numerator) // ratio.denominator if ratio else int_lit(None)
    return {
        "standard_fen": std,
        "income_per_capita_fen": d["income_per_capita_fen"],
        # "On 低保边缘" (read by 单人保, special aid and the rigid-hardship tier test) is eligible
        # for 低保边缘 now or already recognised as 低保边缘 — not enrolled in 低保.
        "enrolled": h.enrolled_near_dibao,
        "limit_fen": limit.cast("int64"),
        "c_not_on_dibao": not3(h.dibao_on),
        "c_no_member_on_tekun": not3(h.tekun_on),
        "c_income_below_multiple": below_multiple(
            h.income_fen, months, h.counted_members, std, multiple
        ),
        "c_assets_within_rules": dibao.assets_ok(d),
        "amount_fen": ibis.literal(0, type="int64"),
        "detail": ibis.literal(""),
    }


def compute(ctx: Context) -> ir.Table:
    h = ctx.facts.households
    h = h.filter(h.registered)
    return h.select(
        "household_id",
        "division_code",
        "county_code",
        "area_type",
        "counted_members",
        **columns(ctx, h),
    )


# The legal basis as a caseworker reads it (the module docstring says it for developers).
LEGAL_BASIS = (
    "国务院办公厅转发民政部等单位《关于加强低收入人口动态监测做好分层分类社会救助工作的意见》"
    "（国办发〔2023〕39号）。不属于低保、无特困成员，"
    "月人均收入低于低保标准 1.5 倍且财产符合低保规定的家庭，"
    "认定为低保边缘家庭；不发现金，可获专项救助和单人保。"
)

PROGRAMME = Programme(
    name="near_dibao",
    label="低保边缘家庭",
    level="household",
    legal_basis=LEGAL_BASIS,
    conditions=CONDITIONS,
    compute=compute,
    cash=False,
)
