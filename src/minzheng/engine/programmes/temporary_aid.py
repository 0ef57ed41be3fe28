"""临时救助 — temporary_aid (急难型 emergency / 支出型 expenditure), decided per household.

Legal basis: the national 临时救助 system as applied in Chongqing. Emergency: a sudden event (fire or
other disaster, accident, sudden serious illness …) leaves basic living in danger — help first,
paperwork after (先行救助); the engine flags households with such an event recently. Expenditure:
essential medical or education spending beyond what the family can bear, income per capita
normally below last year's disposable income. Same cause: once a year. Chongqing's amount formula
(multiples of the monthly 低保 standard) was not found: eligible households get no amount until the
parameters are set. Screening finds candidates; a caseworker confirms the danger to basic living.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from minzheng.engine.expr import fraction
from minzheng.engine.programmes.base import Condition, Context, Programme
from minzheng.engine.programmes.rigid_hardship import DISPOSABLE, disposable_fen

CONDITIONS = (
    Condition(
        "not_aided_within_year",
        "近 12 个月未获临时救助（同一原因每年一次）",
        parameters=("temporary_aid.same_cause_months",),
    ),
    Condition(
        "emergency_event",
        "急难型：近期发生突发事件（灾害、意外、突发重病）",
        parameters=("temporary_aid.emergency.event_kinds", "temporary_aid.emergency.recent_days"),
        values=("emergency_events",),
        decisive=False,
    ),
    Condition(
        "expenditure_hardship",
        "支出型：人均收入低于上年度人均可支配收入且必需支出超出承受能力",
        parameters=(
            *DISPOSABLE,
            "temporary_aid.expenditure.kinds",
            "temporary_aid.expenditure.lookback_months",
            "temporary_aid.expenditure.spending_share",
        ),
        values=("ta_spending_fen", "income_fen"),
        decisive=False,
    ),
    Condition("emergency_or_expenditure", "属于急难型或支出型情形"),
)


def compute(ctx: Context) -> ir.Table:
    h = ctx.facts.households
    h = h.filter(h.registered)
    months = ctx.facts.windows.income_months
    n = h.counted_members
    disposable = disposable_fen(ctx, h.area_type, h.division_code)
    below = (h.income_fen * 12 < disposable * n * months) if months else ibis.null("boolean")
    share = fraction(ctx.snap.value("temporary_aid.expenditure.spending_share"))
    heavy = (
        h.ta_spending_fen * share.denominator >= h.income_fen * share.numerator
        if share is not None
        else ibis.null("boolean")
    )
    expenditure = (h.ta_spending_fen > 0) & below & heavy
    emergency = h.emergency_events > 0
    return h.select(
        "household_id",
        "division_code",
        "county_code",
        "area_type",
        "counted_members",
        "emergency_events",
        "ta_spending_fen",
        "income_fen",
        enrolled=ibis.literal(False),
        standard_fen=ibis.null("int64"),
        income_per_capita_fen=ibis.null("int64"),
        c_not_aided_within_year=h.temporary_aid_recent == 0,
        c_emergency_event=emergency,
        c_expenditure_hardship=expenditure,
        c_emergency_or_expenditure=emergency | expenditure,
        amount_fen=ibis.null("int64"),
        detail=ibis.cases(
            (emergency, "emergency"), (expenditure.fill_null(False), "expenditure"), else_=""
        ),
    )


# The legal basis as a caseworker reads it (the module docstring says it for developers).
LEGAL_BASIS = (
    "国家临时救助制度及重庆市实施规定。急难型：遭遇火灾等灾害、"
    "意外事故、突发重病等导致基本生活陷入困境的，"
    "先行救助；支出型：医疗、教育等必需支出超出家庭承受能力的。"
    "同一原因一年内救助一次；筛查只提示对象，由工作人员核实。"
)

PROGRAMME = Programme(
    name="temporary_aid",
    label="临时救助",
    level="household",
    legal_basis=LEGAL_BASIS,
    conditions=CONDITIONS,
    compute=compute,
    amount_parameters=("temporary_aid.amount.max_multiple",),
    amount_label="救助金额（一次性）",
)
