"""公安: the household register (creates persons and households) and deaths."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError

from minzheng.registry import labels
from minzheng.registry.ingest import columns as c
from minzheng.registry.ingest.feeds.common import life_event, person_row
from minzheng.registry.ingest.feeds.words import RELATION_WORDS, SEX_WORDS
from minzheng.registry.ingest.spec import FeedSpec, HouseholdPlan, RowError, RowErrors, RowPlan
from minzheng.registry.services.persons import check_against_id_number

POLICE = "agency-public-security"


def _plan_hukou(v: Mapping[str, Any]) -> RowPlan:
    parsed = v["id_number"]
    try:
        check_against_id_number(parsed, birth_date=v.get("birth_date"), sex=v.get("sex"))
    except ValidationError as exc:
        raise RowErrors(
            [RowError(key, m) for key, found in exc.message_dict.items() for m in found]
        ) from None
    return RowPlan(
        id_number=parsed,
        name=v["name"],
        creates={
            "name": v["name"],
            "hukou_division_id": v["division"],
            "residence_division_id": v["division"],
        },
        updates={"name": v["name"], "hukou_division_id": v["division"]},
        household=HouseholdPlan(
            number=v["household_number"],
            division_id=v["division"],
            address=v.get("address") or "",
            relation=v["relation"],
        ),
    )


HUKOU = FeedSpec(
    code="police_hukou",
    name="公安·户籍人口",
    department="公安局",
    description="户籍人口登记信息：建立人员档案和家庭（按户号），记录与户主关系和户籍地。"
    "性别、出生日期如填写，须与身份证号码一致。",
    columns=(
        c.id_number(),
        c.name(),
        c.choice("sex", "性别", SEX_WORDS, labels=labels.SEXES, required=False),
        c.day("birth_date", "出生日期", required=False),
        c.division(
            "division",
            "区划代码",
            aliases=("户籍地区划代码", "行政区划代码", "村(社区)代码", "户籍地址区划代码"),
        ),
        c.text("address", "户籍地址", required=False, aliases=("户籍详细地址", "住址")),
        c.choice(
            "relation",
            "与户主关系",
            RELATION_WORDS,
            labels=labels.RELATIONS,
            aliases=("与户主关系名称", "家庭关系"),
        ),
        c.code(
            "household_number",
            "户号",
            max_length=17,
            aliases=("户编号", "户口簿编号", "户口号"),
            help="同一户口簿的成员户号相同",
            example="000123",
        ),
    ),
    plan=_plan_hukou,
    agency_codes=(POLICE,),
    creates_persons=True,
)


def _plan_death(v: Mapping[str, Any]) -> RowPlan:
    died = v["death_date"]
    if died < v["id_number"].birth_date:
        raise RowError("death_date", "死亡日期早于身份证号码中的出生日期")
    return person_row(
        v,
        updates={"life_status": "deceased", "death_date": died},
        updates_as_of=died,
        facts=[life_event("death", died)],
    )


DEATHS = FeedSpec(
    code="police_deaths",
    name="公安·死亡人口",
    department="公安局",
    description="户籍注销（死亡）信息：人员标记为已故，并记录死亡事件。",
    columns=(
        c.id_number(),
        c.name(required=False),
        c.day("death_date", "死亡日期", aliases=("死亡时间", "注销日期")),
    ),
    plan=_plan_death,
    agency_codes=(POLICE,),
)
