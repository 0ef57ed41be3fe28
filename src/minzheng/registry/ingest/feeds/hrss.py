"""人社 (human resources and social security): unemployment, pensions, contributions (wages)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from minzheng.registry.ingest import columns as c
from minzheng.registry.ingest.feeds.common import life_event, person_row
from minzheng.registry.ingest.feeds.words import PENSION_WORDS
from minzheng.registry.ingest.spec import FactPlan, FeedSpec, RowPlan

AGENCY = ("agency-human-resources",)


def _plan_unemployment(v: Mapping[str, Any]) -> RowPlan:
    registered = v["registered_on"]
    return person_row(
        v,
        updates={"employment_status": "unemployed"},
        updates_as_of=registered,
        facts=[life_event("unemployment", registered, amount=v.get("benefit"))],
    )


UNEMPLOYMENT = FeedSpec(
    code="hrss_unemployment",
    name="人社·失业登记",
    department="人力资源和社会保障局",
    description="失业登记信息：记录失业事件，人员就业状况更新为失业。",
    columns=(
        c.id_number(),
        c.name(required=False),
        c.day("registered_on", "失业登记日期", aliases=("登记日期", "失业日期")),
        c.money(
            "benefit", "失业保险金月标准", required=False, aliases=("失业保险金", "月领取金额")
        ),
    ),
    plan=_plan_unemployment,
    agency_codes=AGENCY,
)


def _plan_pension(v: Mapping[str, Any]) -> RowPlan:
    start, end = v["period"]
    return person_row(
        v,
        facts=[
            FactPlan(
                "income",
                {
                    "kind": v["scheme"],
                    "period_start": start,
                    "period_end": end,
                    "amount": v["amount"],
                },
            )
        ],
    )


PENSIONS = FeedSpec(
    code="hrss_pension",
    name="人社·养老金领取",
    department="人力资源和社会保障局",
    description="养老金按月发放信息：记为养老金收入；城乡居民基础养老金按政策不计入家庭收入。",
    columns=(
        c.id_number(),
        c.name(required=False),
        c.choice("scheme", "险种", PENSION_WORDS, aliases=("险种类型", "养老保险类型")),
        c.month("period", "发放月份", aliases=("所属期", "发放年月", "待遇所属期")),
        c.money("amount", "发放金额", aliases=("月发放金额", "养老金金额", "金额")),
    ),
    plan=_plan_pension,
    agency_codes=AGENCY,
)


def _plan_contribution(v: Mapping[str, Any]) -> RowPlan:
    start, end = v["period"]
    return person_row(
        v,
        facts=[
            FactPlan(
                "income",
                {"kind": "wage", "period_start": start, "period_end": end, "amount": v["wage"]},
            )
        ],
    )


CONTRIBUTIONS = FeedSpec(
    code="hrss_contributions",
    name="人社·社保缴费（工资）",
    department="人力资源和社会保障局",
    description="职工社会保险按月缴费信息：缴费工资记为当月工资性收入。",
    columns=(
        c.id_number(),
        c.name(required=False),
        c.month("period", "缴费月份", aliases=("费款所属期", "所属期", "缴费年月")),
        c.money("wage", "缴费工资", aliases=("缴费基数", "工资", "应发工资", "月工资")),
        c.text("employer", "单位名称", required=False, aliases=("缴费单位", "参保单位")),
    ),
    plan=_plan_contribution,
    agency_codes=AGENCY,
)
