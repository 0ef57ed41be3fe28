"""最低生活保障（低保）— dibao, decided per household.

Legal basis: 最低生活保障审核确认办法（民发〔2021〕57号）; 重庆市最低生活保障标准 as published
(长寿区民政局问答 2023-09-08; 市政府报告 2025-07-29); 家庭财产认定 as explained in 黔江区民政局
问答 2023; 分类施保 add-ons (2018). A household qualifies when its counted members' average monthly
income per person is below the standard for its area type (urban or rural) and it passes the asset
and consumption tests. The amount is (standard − income per capita) × counted members, plus an
add-on for each priority member (the highest one that applies).
"""

from __future__ import annotations

from collections.abc import Mapping

import ibis
import ibis.expr.types as ir

from minzheng.engine.expr import int_lit, round_div
from minzheng.engine.programmes._shared import (
    ASSET_PARAMETERS,
    HOUSING_PARAMETERS,
    INCOME_PARAMETERS,
    STANDARD_PARAMETERS,
    below_multiple,
    financial_within,
    housing_within,
    per_capita_fen,
    standard_fen,
)
from minzheng.engine.programmes.base import Condition, Context, Programme

CONDITIONS = (
    Condition("has_counted_members", "家庭有计入的共同生活成员", values=("counted_members",)),
    Condition(
        "income_below_standard",
        "家庭月人均收入低于低保标准",
        parameters=INCOME_PARAMETERS + STANDARD_PARAMETERS,
        values=("income_per_capita_fen", "standard_fen"),
    ),
    Condition(
        "financial_assets_within_limit",
        "金融资产（扣除重病成员豁免）人均不超过低保标准的规定倍数",
        parameters=ASSET_PARAMETERS[:2] + STANDARD_PARAMETERS,
        values=("financial_fen", "financial_limit_fen", "major_illness_members"),
    ),
    Condition(
        "no_disqualifying_vehicle",
        "无机动车、船舶、工程机械或大型农机（有证明的低价值车辆、普通两轮摩托、残疾人代步车除外）",
        parameters=ASSET_PARAMETERS[2:],
    ),
    Condition("no_business_role", "无成员担任经营中企业的法定代表人、高管或控股股东"),
    Condition(
        "housing_within_limit",
        "无两套及以上且人均面积超限的住房（C、D 级危房不计）",
        parameters=HOUSING_PARAMETERS,
        values=("homes",),
    ),
    Condition(
        "no_recent_home_purchase",
        "近年内未购建住房",
        parameters=("dibao.consumption.home_purchase_years",),
    ),
)


def columns(ctx: Context, h: ir.Table) -> dict[str, ir.Value]:
    """The 低保 frame's columns on any relation with the household facts' columns."""
    snap = ctx.snap
    months = ctx.facts.windows.income_months
    n = h.counted_members
    std = standard_fen(snap, h.area_type, h.division_code)
    fin_ok, fin_limit = financial_within(snap, h.financial_fen, h.major_illness_members, n, std)
    if months:
        deficit = std * n * months - h.income_fen
        amount = round_div(deficit, months) + h.addons_fen
    else:
        amount = int_lit(None)
    return {
        "enrolled": h.enrolled_dibao,
        "standard_fen": std,
        "income_per_capita_fen": per_capita_fen(h.income_fen, months, n),
        "financial_limit_fen": fin_limit,
        "c_has_counted_members": n > 0,
        "c_income_below_standard": below_multiple(h.income_fen, months, n, std),
        "c_financial_assets_within_limit": fin_ok,
        "c_no_disqualifying_vehicle": h.vehicles_ok,
        "c_no_business_role": h.business_ok,
        "c_housing_within_limit": housing_within(snap, h.homes, h.home_area, n),
        "c_no_recent_home_purchase": (
            h.home_purchases == 0
            if snap.known("dibao.consumption.home_purchase_years")
            else ibis.null("boolean")
        ),
        "amount_fen": amount.cast("int64"),
        "detail": ibis.literal(""),
    }


def assets_ok(cols: Mapping[str, ir.Value]) -> ir.BooleanValue:
    """The 低保 asset tests together (read by 低保边缘 and 刚性支出困难)."""
    return (
        cols["c_financial_assets_within_limit"]
        & cols["c_no_disqualifying_vehicle"]
        & cols["c_no_business_role"]
        & cols["c_housing_within_limit"]
    )


def compute(ctx: Context) -> ir.Table:
    h = ctx.facts.households
    h = h.filter(h.registered)
    return h.select(
        "household_id",
        "division_code",
        "county_code",
        "area_type",
        "counted_members",
        "homes",
        "major_illness_members",
        "financial_fen",
        "addons_fen",
        **columns(ctx, h),
    )


# The legal basis as a caseworker reads it (the module docstring says it for developers).
LEGAL_BASIS = (
    "《最低生活保障审核确认办法》（民发〔2021〕57号）"
    "；重庆市最低生活保障标准（长寿区民政局问答 2023-09-08；"
    "市政府关于社会救助工作情况的报告 2025-07-29）"
    "；家庭财产认定（黔江区民政局低保政策问答 2023）"
    "；分类施保加发标准（2018）。共同生活的计入成员月人均收入低于所在城乡低保标准、"
    "家庭财产符合规定的，按（标准 − 月人均收入）"
    "× 计入人数补差，另按重点成员加发。"
)

PROGRAMME = Programme(
    name="dibao",
    label="最低生活保障（低保）",
    level="household",
    legal_basis=LEGAL_BASIS,
    conditions=CONDITIONS,
    compute=compute,
    amount_parameters=(
        "dibao.addon.student",
        "dibao.addon.severe",
        "dibao.addon.disabled",
        "dibao.addon.severe_age",
        "dibao.addon.severe_max_grade",
    ),
)
