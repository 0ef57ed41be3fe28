"""Civil affairs' own records: marriage registration, funerals, current assistance enrolments."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from minzheng.registry import labels
from minzheng.registry.ingest import columns as c
from minzheng.registry.ingest.feeds.common import life_event, person_row
from minzheng.registry.ingest.feeds.words import (
    HOUSEHOLD_PROGRAMMES,
    MARRIAGE_WORDS,
    PROGRAMME_WORDS,
)
from minzheng.registry.ingest.spec import FactPlan, FeedSpec, RowError, RowPlan

# The city bureau (seeded by accounts) keeps civil affairs' own records.
CIVIL_AFFAIRS = ("city-bureau",)


def _plan_marriage(v: Mapping[str, Any]) -> RowPlan:
    partner = v.get("partner") or ""
    detail = f"对方：{partner}" if partner else ""
    return person_row(v, facts=[life_event(v["kind"], v["registered_on"], detail=detail)])


MARRIAGES = FeedSpec(
    code="civil_marriage",
    name="民政·婚姻登记",
    department="民政局（婚姻登记机关）",
    description="结婚、离婚登记信息：记录婚姻事件。",
    columns=(
        c.id_number(),
        c.name(required=False),
        c.choice("kind", "登记类型", MARRIAGE_WORDS, aliases=("业务类型", "登记类别")),
        c.day("registered_on", "登记日期", aliases=("登记时间",)),
        c.text("partner", "对方姓名", required=False, max_length=60, aliases=("配偶姓名",)),
    ),
    plan=_plan_marriage,
    agency_codes=CIVIL_AFFAIRS,
)


def _plan_funeral(v: Mapping[str, Any]) -> RowPlan:
    died = v["death_date"]
    if died < v["id_number"].birth_date:
        raise RowError("death_date", "死亡日期早于身份证号码中的出生日期")
    cremated = v.get("cremated_on")
    if cremated is not None and cremated < died:
        raise RowError("cremated_on", "火化日期早于死亡日期")
    detail = "，".join(filter(None, [v.get("home"), f"火化日期{cremated}" if cremated else ""]))
    return person_row(
        v,
        updates={"life_status": "deceased", "death_date": died},
        updates_as_of=died,
        facts=[life_event("death", died, detail=detail)],
    )


FUNERALS = FeedSpec(
    code="civil_funeral",
    name="民政·殡葬",
    department="民政局（殡葬服务机构）",
    description="殡仪馆火化信息：人员标记为已故，并记录死亡事件。",
    columns=(
        c.id_number(),
        c.name(required=False),
        c.day("death_date", "死亡日期", aliases=("死亡时间",)),
        c.day("cremated_on", "火化日期", required=False, aliases=("火化时间",)),
        c.text(
            "home", "殡仪馆", required=False, max_length=60, aliases=("殡仪馆名称", "殡葬服务机构")
        ),
    ),
    plan=_plan_funeral,
    agency_codes=CIVIL_AFFAIRS,
)


def _plan_enrolment(v: Mapping[str, Any]) -> RowPlan:
    programme, start, end = v["programme"], v["start_date"], v.get("end_date")
    if end is not None and end < start:
        raise RowError("end_date", "终止日期早于起始日期")
    per_household = programme in HOUSEHOLD_PROGRAMMES
    enrolment = FactPlan(
        "enrolment",
        {
            "programme": programme,
            "start_date": start,
            "end_date": end,
            "monthly_amount": v.get("monthly_amount"),
        },
        household="required",
        per_household=per_household,
    )
    return person_row(v, facts=[enrolment])


ENROLMENTS = FeedSpec(
    code="civil_enrolments",
    name="民政·当前救助享受",
    department="民政局（社会救助）",
    description="正在享受的救助项目：低保、低保边缘、刚性支出困难按家庭记录，其余按人员记录；"
    "人员须已有家庭（户籍）记录。",
    columns=(
        c.id_number(),
        c.name(required=False),
        c.choice(
            "programme",
            "项目",
            PROGRAMME_WORDS,
            labels=labels.PROGRAMMES,
            aliases=("救助项目", "保障类别", "救助类别"),
        ),
        c.day("start_date", "起始日期", aliases=("享受起始日期", "开始日期", "起始时间")),
        c.money(
            "monthly_amount",
            "月金额",
            required=False,
            aliases=("月救助金额", "月保障金额", "保障金额"),
        ),
        c.day("end_date", "终止日期", required=False, allow_future=True, aliases=("截止日期",)),
    ),
    plan=_plan_enrolment,
    agency_codes=CIVIL_AFFAIRS,
)
