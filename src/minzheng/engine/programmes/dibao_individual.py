"""单人保 — dibao_individual, decided per person.

Legal basis: 重庆市人民政府办公厅（渝府办发〔2022〕128号 [M]）and the national rule [G]: a member of a
低保边缘 household who has a grade 1–2 disability (grade 1–3 for intellectual or mental
disability) or a recognised major illness may be covered by 低保 alone, as a one-person household.
The amount is the 低保 standard minus the member's own monthly income, plus the member's add-on.

Rows: every counted member with a disability or a recognised major illness.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from minzheng.engine.expr import int_lit, param_int, round_div
from minzheng.engine.programmes._shared import (
    INCOME_PARAMETERS,
    STANDARD_PARAMETERS,
    below_multiple,
    per_capita_fen,
    standard_fen,
)
from minzheng.engine.programmes.base import Condition, Context, Programme

CONDITIONS = (
    Condition("household_near_dibao", "所在家庭为低保边缘家庭"),
    Condition(
        "severe_disability_or_illness",
        "一二级残疾（智力、精神残疾三级及以上）或重特大疾病",
        parameters=("dibao_individual.max_grade", "dibao_individual.max_grade_intellectual_mental"),
        values=("disability_grade", "disability_kind", "major_illness"),
    ),
    Condition(
        "own_income_below_standard",
        "本人月收入低于低保标准（按单人户计算）",
        parameters=INCOME_PARAMETERS + STANDARD_PARAMETERS,
        values=("income_per_capita_fen", "standard_fen"),
    ),
)


def compute(ctx: Context) -> ir.Table:
    snap = ctx.snap
    months = ctx.facts.windows.income_months
    m = ctx.facts.members
    m = m.filter(m.counted & (m.disability_grade.notnull() | m.major_illness))
    h = ctx.facts.households
    near = h.select(n_household=h.household_id, near_on=h.near_dibao_on)
    m = m.left_join(near, m.household_id == near.n_household)
    general = param_int(snap, "dibao_individual.max_grade")
    special = param_int(snap, "dibao_individual.max_grade_intellectual_mental")
    if general is None or special is None:
        severe: ir.BooleanValue = ibis.null("boolean") | m.major_illness
    else:
        limit = ibis.ifelse(m.disability_kind.isin(["intellectual", "mental"]), special, general)
        severe = m.major_illness | (m.disability_grade <= limit).fill_null(False)
    std = standard_fen(snap, m.area_type, m.division_code)
    one = ibis.literal(1, type="int64")
    amount = (
        round_div(std * months - m.income_fen, months) + m.addon_fen if months else int_lit(None)
    )
    return m.select(
        "household_id",
        "person_id",
        "division_code",
        "area_type",
        "disability_grade",
        "disability_kind",
        "major_illness",
        county_code=m.division_code.substr(0, 6),
        enrolled=ibis.literal(False),
        counted_members=one,
        standard_fen=std,
        income_per_capita_fen=per_capita_fen(m.income_fen, months, one),
        c_household_near_dibao=m.near_on,
        c_severe_disability_or_illness=severe,
        c_own_income_below_standard=below_multiple(m.income_fen, months, one, std),
        amount_fen=amount.cast("int64"),
        detail=ibis.literal(""),
    )


# The legal basis as a caseworker reads it (the module docstring says it for developers).
LEGAL_BASIS = (
    "重庆市人民政府办公厅（渝府办发〔2022〕128号）"
    "及国家有关规定：低保边缘家庭中的一二级残疾人（智力、"
    "精神残疾三级及以上）或重特大疾病患者，可参照单人户纳入低保。"
)

PROGRAMME = Programme(
    name="dibao_individual",
    label="单人保",
    level="person",
    legal_basis=LEGAL_BASIS,
    conditions=CONDITIONS,
    compute=compute,
    amount_parameters=("dibao.addon.student", "dibao.addon.severe", "dibao.addon.disabled"),
)
