"""Chinese labels for every enumerated value of the population schema (``engine/schema.py``).

One place for the words the UI shows: model choices, forms, importers' error messages, the
generator's documentation and later apps all read them from here. Each mapping covers exactly the
values of its tuple in ``minzheng.engine.schema`` (a test checks it), and ``choices(...)`` turns one
into Django choices in the schema's order.

    from minzheng.registry import labels
    labels.RELATIONS["spouse"]            # "配偶"
    labels.label(labels.INCOME_KINDS, "wage")
    labels.choices(schema.RELATIONS, labels.RELATIONS)
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from minzheng.engine import schema

Label = str | Promise

SEXES: dict[str, Label] = {"M": _("男"), "F": _("女")}

LIFE_STATUSES: dict[str, Label] = {
    "living": _("健在"),
    "deceased": _("已故"),
    "missing": _("失踪"),
}

WORK_CAPACITIES: dict[str, Label] = {
    "full": _("有劳动能力"),
    "partial": _("部分丧失劳动能力"),
    "none": _("无劳动能力"),
}

SCHOOL_STATUSES: dict[str, Label] = {
    "none": _("不在学"),
    "preschool": _("学前教育"),
    "primary": _("小学"),
    "junior": _("初中"),
    "senior": _("高中"),
    "vocational": _("中职"),
    "college": _("大专"),
    "bachelor": _("本科"),
    "postgraduate": _("研究生"),
}

EMPLOYMENT_STATUSES: dict[str, Label] = {
    "employed": _("就业"),
    "self_employed": _("自主经营"),
    "farming": _("务农"),
    "unemployed": _("失业"),
    "retired": _("退休"),
    "student": _("在校学生"),
    "not_working": _("未就业"),
}

DISABILITY_KINDS: dict[str, Label] = {
    "visual": _("视力残疾"),
    "hearing": _("听力残疾"),
    "speech": _("言语残疾"),
    "physical": _("肢体残疾"),
    "intellectual": _("智力残疾"),
    "mental": _("精神残疾"),
    "multiple": _("多重残疾"),
}

DISABILITY_GRADES: dict[int, Label] = {
    1: _("一级"),
    2: _("二级"),
    3: _("三级"),
    4: _("四级"),
}

RELATIONS: dict[str, Label] = {
    "head": _("户主"),
    "spouse": _("配偶"),
    "child": _("子女"),
    "parent": _("父母"),
    "grandchild": _("孙子女"),
    "grandparent": _("祖父母"),
    "sibling": _("兄弟姐妹"),
    "other": _("其他"),
}

# Why a recorded member is not counted (programmes.md §0); "" is a counted member.
APART_REASONS: dict[str, Label] = {
    "": _("计入"),
    "prison": _("服刑人员"),
    "drug_rehabilitation": _("强制隔离戒毒"),
    "clergy_apart": _("宗教教职人员（连续三年以上脱离家庭独立生活）"),
    "missing": _("宣告失踪"),
}

INCOME_KINDS: dict[str, Label] = {
    "wage": _("工资性收入"),
    "business": _("经营净收入"),
    "property": _("财产净收入"),
    "transfer": _("转移净收入"),
    "pension": _("养老金"),
    "basic_pension": _("城乡居民基础养老金（不计入）"),
    "special_care": _("优待抚恤金（不计入）"),
    "family_planning_reward": _("计划生育奖励（不计入）"),
    "scholarship": _("奖学金（不计入）"),
    "bravery_award": _("见义勇为奖金（不计入）"),
    "assistance_payment": _("社会救助金（不计入）"),
}

FINANCIAL_ASSET_KINDS: dict[str, Label] = {
    "deposit": _("存款"),
    "securities": _("有价证券"),
    "fund": _("基金"),
    "commercial_insurance": _("商业保险"),
    "claim": _("债权"),
    "online_finance": _("互联网金融资产"),
}

VEHICLE_KINDS: dict[str, Label] = {
    "car": _("机动车"),
    "boat": _("船舶"),
    "construction_machinery": _("工程机械"),
    "large_farm_machinery": _("大型农机具"),
    "motorcycle": _("普通二轮摩托车"),
    "disability_vehicle": _("残疾人机动轮椅车"),
}

# Every asset kind: the financial kinds, the vehicle kinds, homes and business roles.
ASSET_KINDS: dict[str, Label] = {
    **FINANCIAL_ASSET_KINDS,
    **VEHICLE_KINDS,
    "home": _("房产"),
    "business": _("企业任职"),
}
ASSET_KIND_VALUES: tuple[str, ...] = (
    *schema.FINANCIAL_ASSET_KINDS,
    *schema.VEHICLE_KINDS,
    "home",
    "business",
)

BUSINESS_ROLES: dict[str, Label] = {
    "legal_representative": _("法定代表人"),
    "senior_manager": _("高级管理人员"),
    "controlling_shareholder": _("控股股东"),
}

HOUSING_GRADES: dict[str, Label] = {"": _("非危房"), "C": _("C级危房"), "D": _("D级危房")}

EXPENDITURE_KINDS: dict[str, Label] = {
    "medical": _("医疗自付费用"),
    "education": _("教育支出"),
    "rehabilitation": _("康复支出"),
    "other_rigid": _("其他刚性支出"),
}

EVENT_KINDS: dict[str, Label] = {
    "birth": _("出生"),
    "death": _("死亡"),
    "marriage": _("结婚"),
    "divorce": _("离婚"),
    "disability_certified": _("残疾认定"),
    "disability_changed": _("残疾等级变更"),
    "major_illness": _("确诊重特大疾病"),
    "hospitalisation": _("住院"),
    "unemployment": _("失业"),
    "school_enrolment": _("入学"),
    "disaster": _("遭受灾害"),
    "accident": _("意外事故"),
    "home_purchase": _("购置房产"),
}

PROGRAMMES: dict[str, Label] = {
    "dibao": _("最低生活保障"),
    "dibao_individual": _("单人保"),
    "tekun": _("特困人员救助供养"),
    "near_dibao": _("低保边缘家庭"),
    "rigid_hardship": _("刚性支出困难家庭"),
    "temporary_aid": _("临时救助"),
}

AREA_TYPES: dict[str, Label] = {"urban": _("城市"), "rural": _("农村")}

# The registry's fact kinds (the ``kind`` argument of ``fact_record`` and of ``fingerprint``).
FACT_KINDS: dict[str, Label] = {
    "membership": _("家庭成员关系"),
    "income": _("收入"),
    "asset": _("财产"),
    "expenditure": _("刚性支出"),
    "life_event": _("生活事件"),
    "enrolment": _("救助享受"),
}


def choices[K: (str, int)](
    values: tuple[K, ...], names: Mapping[K, Label]
) -> list[tuple[K, Label]]:
    """Django choices for ``values`` (in that order) labelled from ``names``."""
    return [(v, names.get(v, str(v))) for v in values]


def label(names: Mapping[str, Label], value: str | None) -> str:
    """The Chinese label of ``value``; the value itself when unknown, "" when empty/None."""
    if value is None:
        return ""
    found = names.get(value)
    return str(found) if found is not None else str(value)
