"""Partner agencies: 医保, 教育, 不动产, 车管, 市场监管, 残联, and banks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from minzheng.registry import labels
from minzheng.registry.ingest import columns as c
from minzheng.registry.ingest.feeds.common import as_of, data_date, life_event, person_row
from minzheng.registry.ingest.feeds.words import (
    DISABILITY_KIND_WORDS,
    GRADE_WORDS,
    HOUSING_GRADE_WORDS,
    OPERATING_WORDS,
    ROLE_WORDS,
    SCHOOL_WORDS,
    VEHICLE_WORDS,
    VISIT_WORDS,
)
from minzheng.registry.ingest.spec import FactPlan, FeedSpec, RowPlan


def _plan_medical(v: Mapping[str, Any]) -> RowPlan:
    settled, reference = v["settled_on"], v["reference"]
    facts = [
        FactPlan(
            "expenditure",
            {"kind": "medical", "date": settled, "reference": reference, "amount": v["amount"]},
        )
    ]
    if v.get("visit") == "inpatient":
        facts.append(life_event("hospitalisation", settled, detail=v.get("provider") or ""))
    return person_row(v, facts=facts)


MEDICAL = FeedSpec(
    code="healthcare_medical",
    name="医保·医疗费用个人自付",
    department="医疗保障局",
    description="医疗费用结算信息：个人自付部分记为医疗刚性支出；住院结算同时记录住院事件。",
    columns=(
        c.id_number(),
        c.name(required=False),
        c.day("settled_on", "结算日期", aliases=("结算时间", "费用结算日期")),
        c.money("amount", "自付金额", aliases=("个人自付金额", "个人负担金额", "个人自付")),
        c.code("reference", "单据号", aliases=("结算单号", "结算流水号", "单据编号", "结算编号")),
        c.text("provider", "医疗机构", required=False, aliases=("医疗机构名称", "定点医药机构")),
        c.choice("visit", "就诊类型", VISIT_WORDS, required=False, aliases=("医疗类别",)),
    ),
    plan=_plan_medical,
    agency_codes=("agency-healthcare-security",),
)


def _plan_student(v: Mapping[str, Any]) -> RowPlan:
    stage = v["stage"]
    detail = "".join(filter(None, [v.get("school"), str(labels.SCHOOL_STATUSES[stage])]))
    return person_row(
        v,
        updates={"school_status": stage},
        updates_as_of=v["enrolled_on"],
        facts=[life_event("school_enrolment", v["enrolled_on"], detail=detail)],
    )


STUDENTS = FeedSpec(
    code="education_students",
    name="教育·在校学生",
    department="教育委员会",
    description="在校学生学籍信息：更新人员在学情况，记录入学事件。",
    columns=(
        c.id_number(),
        c.name(required=False),
        c.choice(
            "stage",
            "学段",
            SCHOOL_WORDS,
            labels=labels.SCHOOL_STATUSES,
            aliases=("就读学段", "学历层次"),
        ),
        c.day("enrolled_on", "入学日期", aliases=("入学时间", "入学年月")),
        c.text("school", "学校名称", required=False, aliases=("就读学校", "学校")),
    ),
    plan=_plan_student,
    agency_codes=("agency-education",),
)


def _asset(kind: str, v: Mapping[str, Any], reference: str, **fields: Any) -> FactPlan:
    return FactPlan(
        "asset",
        {
            "kind": kind,
            "reference": reference,
            "as_of": as_of(v),
            "value": v.get("value"),
            **fields,
        },
    )


def _plan_home(v: Mapping[str, Any]) -> RowPlan:
    home = _asset(
        "home",
        v,
        v["certificate"],
        floor_area=v["floor_area"],
        housing_grade=v.get("housing_grade") or "",
    )
    return person_row(v, facts=[home])


HOMES = FeedSpec(
    code="realestate_homes",
    name="不动产·房屋",
    department="规划和自然资源局（不动产登记中心）",
    description="不动产登记的房屋信息：记为家庭房产，含建筑面积和危房等级。",
    columns=(
        c.id_number(),
        c.name(required=False),
        c.code(
            "certificate", "不动产权证号", aliases=("不动产权证书号", "产权证号", "不动产单元号")
        ),
        c.area("floor_area", "建筑面积", aliases=("建筑面积（平方米）", "房屋建筑面积")),
        c.choice(
            "housing_grade",
            "房屋等级",
            HOUSING_GRADE_WORDS,
            labels=labels.HOUSING_GRADES,
            required=False,
            aliases=("危房等级", "房屋安全等级"),
        ),
        c.money("value", "评估价值", required=False, aliases=("房屋价值",)),
        data_date(aliases=("登记日期",)),
    ),
    plan=_plan_home,
)


def _plan_vehicle(v: Mapping[str, Any]) -> RowPlan:
    return person_row(v, facts=[_asset(v["vehicle_kind"], v, v["plate"])])


VEHICLES = FeedSpec(
    code="vehicles",
    name="车管·车辆",
    department="公安交通管理部门（车管所）",
    description="机动车登记信息：记为家庭车辆，含评估价值。",
    columns=(
        c.id_number(),
        c.name(required=False),
        c.code("plate", "号牌", max_length=16, aliases=("号牌号码", "车牌号", "车牌号码")),
        c.choice(
            "vehicle_kind",
            "车辆类型",
            VEHICLE_WORDS,
            labels=labels.VEHICLE_KINDS,
            aliases=("车辆种类", "车型"),
        ),
        c.money("value", "评估价值", required=False, aliases=("车辆价值", "评估价格")),
        data_date(),
    ),
    plan=_plan_vehicle,
    agency_codes=("agency-public-security",),
)


def _plan_business(v: Mapping[str, Any]) -> RowPlan:
    role = _asset(
        "business",
        v,
        v["credit_code"],
        business_role=v["role"],
        business_operating=v["operating"],
    )
    return person_row(v, facts=[role])


BUSINESS_ROLES = FeedSpec(
    code="market_business",
    name="市场监管·企业任职",
    department="市场监督管理局",
    description="企业登记中的任职信息：法定代表人、高级管理人员、控股股东及企业经营状态。",
    columns=(
        c.id_number(),
        c.name(required=False),
        c.credit_code("credit_code"),
        c.text("company", "企业名称", required=False, aliases=("市场主体名称",)),
        c.choice(
            "role",
            "职务",
            ROLE_WORDS,
            labels=labels.BUSINESS_ROLES,
            aliases=("任职类型", "人员类型"),
        ),
        c.choice("operating", "经营状态", OPERATING_WORDS, aliases=("登记状态", "企业状态")),
        data_date(),
    ),
    plan=_plan_business,
    agency_codes=("agency-market-regulation",),
)


def _plan_disability(v: Mapping[str, Any]) -> RowPlan:
    kind, grade, issued = v["disability_kind"], v["disability_grade"], v["issued_on"]
    detail = f"{labels.DISABILITY_KINDS[kind]}{labels.DISABILITY_GRADES[grade]}"
    return person_row(
        v,
        updates={"disability_kind": kind, "disability_grade": grade},
        updates_as_of=issued,
        facts=[life_event("disability_certified", issued, detail=detail)],
    )


DISABILITY = FeedSpec(
    code="disability_certificates",
    name="残联·残疾证",
    department="残疾人联合会",
    description="残疾人证信息：更新人员残疾类别和等级，记录残疾认定事件。",
    columns=(
        c.id_number(),
        c.name(required=False),
        c.choice(
            "disability_kind",
            "残疾类别",
            DISABILITY_KIND_WORDS,
            labels=labels.DISABILITY_KINDS,
            aliases=("残疾类型",),
        ),
        c.choice("disability_grade", "残疾等级", GRADE_WORDS, aliases=("残疾级别",)),
        c.day("issued_on", "发证日期", aliases=("发证时间", "办证日期", "持证日期")),
        c.code("certificate", "残疾证号", required=False, aliases=("残疾人证号",)),
    ),
    plan=_plan_disability,
    agency_codes=("agency-disabled-persons",),
)


def _plan_deposit(v: Mapping[str, Any]) -> RowPlan:
    deposit = _asset("deposit", v, v.get("bank") or "", value=v["balance"])
    return person_row(v, facts=[deposit])


DEPOSITS = FeedSpec(
    code="bank_deposits",
    name="银行·存款余额",
    department="银行业金融机构",
    description="个人存款余额（各账户合计）及截至日期：记为家庭金融资产。",
    columns=(
        c.id_number(),
        c.name(required=False),
        c.money("balance", "存款余额", aliases=("账户余额", "余额", "存款金额")),
        data_date("截至日期", required=True, aliases=("余额日期", "数据日期", "统计日期")),
        c.text("bank", "银行名称", required=False, max_length=64, aliases=("开户银行", "开户行")),
    ),
    plan=_plan_deposit,
)
