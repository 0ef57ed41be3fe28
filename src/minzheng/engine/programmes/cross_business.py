"""Cross-business links (programmes.md §6): what other business lines and agencies owe the household.

These belong to other lines (医保, 教育, 住建, 人社, 儿童福利, 殡葬, 残联); the engine flags them so one
pass over a household shows everything (政策组合拳). Values not found are parameters without values:
the flag still shows, with the amount unknown.

- special_aid: referral to medical, education, housing and employment assistance (专项救助) for
  households in tiers 1–3 (低保, 特困, 低保边缘) with a matching need. Rows: households in tiers 1–3.
- funeral_waiver: 惠民殡葬 basic-service fee waiver for 低保 and 特困 persons. Rows: those households.
- orphan_allowance: 孤儿基本生活费 (2020: institutional 1,456 / scattered 1,256 yuan a month [G]) for a
  minor whose recorded parents are both deceased. Rows: minors with no living parent recorded in
  the household; with fewer than two recorded deceased parents the answer is ``unknown``.
- disability_living_subsidy: 困难残疾人生活补贴 for disabled members of 低保 households.
- disability_care_subsidy: 重度残疾人护理补贴 for grade 1–2 disabled persons.
  Rows for both: every counted member with a disability grade.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from minzheng.engine.expr import param_fen, param_int
from minzheng.engine.facts import PARENT_PAIRS
from minzheng.engine.programmes.base import Condition, Context, Programme

CHILD_RELATIONS = tuple(sorted({c for c, _ in PARENT_PAIRS}))

SPECIAL_AID_CONDITIONS = (
    Condition("in_tiers_1_to_3", "属于低保、特困或低保边缘家庭"),
    Condition("has_need", "有医疗、教育、住房或就业方面的需要", values=("detail",)),
)


def compute_special_aid(ctx: Context) -> ir.Table:
    f = ctx.facts.households
    f = f.filter(f.registered)
    tier = f.dibao_on | f.near_dibao_on | f.tekun_on
    f = f.filter(tier.isnull() | tier)
    medical = (
        (f.major_illness_members > 0) | (f.medical_spending_fen > 0) | (f.disabled_members > 0)
    )
    needs = {
        "medical": medical,
        "education": f.students > 0,
        "housing": (f.homes == 0) | (f.unsafe_homes > 0),
        "employment": f.unemployed_able > 0,
    }
    # The needs as words joined by commas (a null condition is no need): one word or null per
    # need, joined (CONCAT_WS skips nulls), rather than a list filtered through a lambda and
    # joined, which cost more.
    words = ibis.literal(",").join(
        [ibis.ifelse(cond, word, ibis.null("string")) for word, cond in needs.items()]
    )
    has_need = ibis.or_(*(cond.fill_null(False) for cond in needs.values()))
    return f.select(
        "household_id",
        "division_code",
        "county_code",
        "area_type",
        "counted_members",
        enrolled=ibis.literal(False),
        standard_fen=ibis.null("int64"),
        income_per_capita_fen=ibis.null("int64"),
        c_in_tiers_1_to_3=tier,
        c_has_need=has_need,
        amount_fen=ibis.literal(0, type="int64"),
        detail=words,
    )


FUNERAL_CONDITIONS = (Condition("dibao_or_tekun", "家庭为低保家庭或有特困人员"),)


def compute_funeral_waiver(ctx: Context) -> ir.Table:
    f = ctx.facts.households
    f = f.filter(f.registered)
    covered = f.dibao_on | f.tekun_on
    f = f.filter(covered.isnull() | covered)
    return f.select(
        "household_id",
        "division_code",
        "county_code",
        "area_type",
        "counted_members",
        enrolled=ibis.literal(False),
        standard_fen=ibis.null("int64"),
        income_per_capita_fen=ibis.null("int64"),
        c_dibao_or_tekun=covered,
        amount_fen=ibis.literal(0, type="int64"),
        detail=ibis.literal(""),
    )


ORPHAN_CONDITIONS = (
    Condition("minor", "未满 18 周岁", parameters=("orphan_allowance.age",), values=("age",)),
    Condition(
        "parents_deceased",
        "父母均已死亡（户内登记的父母）",
        values=("parents_deceased", "parents_recorded"),
    ),
)


def _parents(h: ir.Table, child_relation: ir.StringValue, suffix: str) -> ir.IntegerValue:
    """How many members of the household stand as a parent to a member of ``child_relation``."""
    total: ir.IntegerValue = ibis.literal(0, type="int64")
    for child in CHILD_RELATIONS:
        total = total + ibis.ifelse(child_relation == child, h[f"par_{child}{suffix}"], 0)
    return total


def compute_orphan_allowance(ctx: Context) -> ir.Table:
    m = ctx.facts.members
    age = param_int(ctx.snap, "orphan_allowance.age")
    kids = m.filter(m.counted & (m.age < (age or 0)))
    h = ctx.facts.households
    counts = h.select(
        p_household=h.household_id,
        **{
            f"par_{rel}{suffix}": h[f"par_{rel}{suffix}"]
            for rel in CHILD_RELATIONS
            for suffix in ("", "_alive", "_dead")
        },
    )
    f = kids.left_join(counts, kids.household_id == counts.p_household)
    f = f.mutate(
        recorded=_parents(f, f.relation, ""),
        alive=_parents(f, f.relation, "_alive"),
        dead=_parents(f, f.relation, "_dead"),
    )
    f = f.filter(f.alive.fill_null(0) == 0)
    dead = f.dead.fill_null(0)
    return f.select(
        "household_id",
        "person_id",
        "division_code",
        "area_type",
        "age",
        county_code=f.division_code.substr(0, 6),
        enrolled=ibis.literal(False),
        counted_members=ibis.literal(1, type="int64"),
        standard_fen=param_fen(ctx.snap, "orphan_allowance.scattered", f.division_code),
        income_per_capita_fen=ibis.null("int64"),
        parents_recorded=f.recorded.fill_null(0),
        parents_deceased=dead,
        c_minor=f.age < age if age is not None else ibis.null("boolean"),
        c_parents_deceased=ibis.ifelse(dead >= 2, True, ibis.null("boolean")),
        amount_fen=param_fen(ctx.snap, "orphan_allowance.scattered", f.division_code),
        detail=ibis.literal("scattered"),
    )


LIVING_SUBSIDY_CONDITIONS = (
    Condition("disabled", "持有残疾证", values=("disability_grade", "disability_kind")),
    Condition("household_on_dibao", "所在家庭为低保家庭"),
)
CARE_SUBSIDY_CONDITIONS = (
    Condition(
        "severe_disability",
        "一、二级重度残疾",
        parameters=("disability_subsidy.care_max_grade",),
        values=("disability_grade",),
    ),
)


def _disabled(ctx: Context) -> ir.Table:
    m = ctx.facts.members
    return m.filter(m.counted & m.disability_grade.notnull())


def compute_living_subsidy(ctx: Context) -> ir.Table:
    m = _disabled(ctx)
    h = ctx.facts.households
    dibao = h.select(d_h=h.household_id, dibao_on=h.dibao_on)
    f = m.left_join(dibao, m.household_id == dibao.d_h)
    return f.select(
        "household_id",
        "person_id",
        "division_code",
        "area_type",
        "disability_grade",
        "disability_kind",
        county_code=f.division_code.substr(0, 6),
        enrolled=ibis.literal(False),
        counted_members=ibis.literal(1, type="int64"),
        standard_fen=ibis.null("int64"),
        income_per_capita_fen=ibis.null("int64"),
        c_disabled=ibis.literal(True),
        c_household_on_dibao=f.dibao_on,
        amount_fen=param_fen(ctx.snap, "disability_subsidy.living", f.division_code),
        detail=ibis.literal(""),
    )


def compute_care_subsidy(ctx: Context) -> ir.Table:
    m = _disabled(ctx)
    grade = param_int(ctx.snap, "disability_subsidy.care_max_grade")
    return m.select(
        "household_id",
        "person_id",
        "division_code",
        "area_type",
        "disability_grade",
        county_code=m.division_code.substr(0, 6),
        enrolled=ibis.literal(False),
        counted_members=ibis.literal(1, type="int64"),
        standard_fen=ibis.null("int64"),
        income_per_capita_fen=ibis.null("int64"),
        c_severe_disability=(
            m.disability_grade <= grade if grade is not None else ibis.null("boolean")
        ),
        amount_fen=param_fen(ctx.snap, "disability_subsidy.care", m.division_code),
        detail=ibis.literal(""),
    )


# The legal bases as a caseworker reads them (the module docstring says them for developers).
SPECIAL_AID_BASIS = (
    "国办发〔2023〕39号等：低保、特困、低保边缘家庭有医疗、"
    "教育、住房、就业需要的，转介医保、教育、住建、"
    "人社部门给予专项救助。"
)
SPECIAL_AID = Programme(
    name="special_aid",
    label="专项救助转介（医疗、教育、住房、就业）",
    level="household",
    legal_basis=SPECIAL_AID_BASIS,
    conditions=SPECIAL_AID_CONDITIONS,
    compute=compute_special_aid,
    cash=False,
)
FUNERAL_WAIVER_BASIS = "惠民殡葬政策：低保对象、特困人员减免基本殡葬服务费用。"
FUNERAL_WAIVER = Programme(
    name="funeral_waiver",
    label="惠民殡葬基本服务费减免",
    level="household",
    legal_basis=FUNERAL_WAIVER_BASIS,
    conditions=FUNERAL_CONDITIONS,
    compute=compute_funeral_waiver,
    cash=False,
)
ORPHAN_ALLOWANCE_BASIS = (
    "孤儿基本生活保障制度：父母均已死亡的未成年人按月发放基本生活费（2020 年集中供养 1"
    ",456 元、社会散居 1,256 元）。"
)
ORPHAN_ALLOWANCE = Programme(
    name="orphan_allowance",
    label="孤儿基本生活费",
    level="person",
    legal_basis=ORPHAN_ALLOWANCE_BASIS,
    conditions=ORPHAN_CONDITIONS,
    compute=compute_orphan_allowance,
    amount_parameters=("orphan_allowance.scattered",),
)
DISABILITY_LIVING_SUBSIDY_BASIS = (
    "困难残疾人生活补贴和重度残疾人护理补贴制度：低保家庭中的残疾人享受生活补贴。"
)
DISABILITY_LIVING_SUBSIDY = Programme(
    name="disability_living_subsidy",
    label="困难残疾人生活补贴",
    level="person",
    legal_basis=DISABILITY_LIVING_SUBSIDY_BASIS,
    conditions=LIVING_SUBSIDY_CONDITIONS,
    compute=compute_living_subsidy,
    amount_parameters=("disability_subsidy.living",),
)
DISABILITY_CARE_SUBSIDY_BASIS = (
    "困难残疾人生活补贴和重度残疾人护理补贴制度：一二级重度残疾人享受护理补贴。"
)
DISABILITY_CARE_SUBSIDY = Programme(
    name="disability_care_subsidy",
    label="重度残疾人护理补贴",
    level="person",
    legal_basis=DISABILITY_CARE_SUBSIDY_BASIS,
    conditions=CARE_SUBSIDY_CONDITIONS,
    compute=compute_care_subsidy,
    amount_parameters=("disability_subsidy.care",),
)
