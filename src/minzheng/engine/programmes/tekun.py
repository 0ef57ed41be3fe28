"""特困人员救助供养（特困）— tekun, decided per person.

Legal basis: 特困人员认定办法（民发〔2021〕43号; number [K], content [G]）; 重庆市特困人员基本生活
标准（1.3 × 城市低保标准）. A person qualifies when all three hold: (a) no work capacity — aged 60
or more, under 16 (support continues to 18, and beyond while in school, for those already
supported), or disabled at grade 1–3 intellectual/mental, 1–2 physical, 1 visual; (b) no means of
living — own income below the 低保 standard and own assets within the 低保 asset rules; (c) no
able supporter — every member of the household with a legal duty of support is unable (is 特困;
is a 低保 recipient aged 60+; is aged 70+ or severely disabled with income below last year's
per-capita disposable income; lacks civil capacity; is missing; is in prison). Supporters recorded
outside the household are not seen by the engine. Basic living = multiple × urban 低保 standard;
care allowance by self-care items lost (1–3 partly, ≥ 4 fully dependent).

Rows: every counted member who is 60+, under 18, disabled, of unknown age, or already supported.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from minzheng.engine.expr import (
    any3,
    fraction,
    int_lit,
    not3,
    param_fen,
    param_int,
    round_div,
)
from minzheng.engine.facts import SUPPORT_PAIRS
from minzheng.engine.parameters import ParameterSnapshot
from minzheng.engine.programmes._shared import (
    ASSET_PARAMETERS,
    INCOME_PARAMETERS,
    STANDARD_PARAMETERS,
    below_multiple,
    financial_within,
    per_capita_fen,
    standard_fen,
)
from minzheng.engine.programmes.base import Condition, Context, Programme

AGE_PARAMETERS = ("tekun.age.elderly", "tekun.age.minor", "tekun.age.coverage")
DISABILITY_KINDS = ("intellectual", "mental", "physical", "visual", "multiple")
DISABILITY_PARAMETERS = tuple(f"tekun.disability.max_grade.{k}" for k in DISABILITY_KINDS)
SUPPORTER_PARAMETERS = (
    "tekun.supporter.dibao_age",
    "tekun.supporter.elderly_age",
    "tekun.supporter.severe_max_grade",
    "disposable_income.previous_year.urban",
    "disposable_income.previous_year.rural",
)

CONDITIONS = (
    Condition(
        "no_work_capacity",
        "无劳动能力（年满 60 周岁、未满 16 周岁（已供养的至 18 周岁，在校可延续）或符合条件的残疾等级）",
        parameters=AGE_PARAMETERS + DISABILITY_PARAMETERS,
        values=("age", "disability_grade", "disability_kind"),
    ),
    Condition(
        "no_means_of_living",
        "无生活来源：本人月收入低于低保标准，财产符合规定",
        parameters=INCOME_PARAMETERS + STANDARD_PARAMETERS + ASSET_PARAMETERS,
        values=("income_per_capita_fen", "standard_fen", "own_financial_fen"),
    ),
    Condition(
        "no_able_supporter",
        "无履行义务能力的法定赡养、抚养、扶养人",
        parameters=SUPPORTER_PARAMETERS,
        values=("supporters", "able_supporters"),
    ),
)


def _supporters(ctx: Context, m: ir.Table) -> ir.Table:
    """Each member with how many recorded supporters they have, how many are able or of unknown
    ability — the household's count for the member's relation, less the member themselves."""
    g = ctx.facts.household_members
    assert g is not None
    relations = sorted({p for p, _ in SUPPORT_PAIRS})
    counts = g.select(
        s_household=g.g_household,
        **{
            f"sup_{rel}{suffix}": g[f"sup_{rel}{suffix}"]
            for rel in relations
            for suffix in ("", "_able", "_null")
        },
    )
    f = m.left_join(counts, m.household_id == counts.s_household).drop("s_household")
    able = f.able_supporter
    self_is = {
        "": f.living,
        "_able": f.living & able.fill_null(False),
        "_null": f.living & able.isnull(),
    }
    out = {}
    for suffix, name in (("", "supporters"), ("_able", "able_true"), ("_null", "able_null")):
        total: ir.IntegerValue = ibis.literal(0, type="int64")
        for rel in relations:
            total = total + ibis.ifelse(f.relation == rel, f[f"sup_{rel}{suffix}"], 0)
        for person, supporter in SUPPORT_PAIRS:
            if person == supporter:  # the member is not their own supporter
                total = total - ibis.ifelse((f.relation == person) & self_is[suffix], 1, 0)
        out[name] = total
    return f.mutate(**out)


def relation_pair(
    left: ir.StringValue, right: ir.StringValue, pairs: tuple[tuple[str, str], ...]
) -> ir.BooleanValue:
    """(left, right) is one of ``pairs`` — a literal condition, no lookup table to ship around."""
    return ibis.or_(*[(left == a) & (right == b) for a, b in pairs])


def _max_grade(snap: ParameterSnapshot, kind: ir.StringValue) -> ir.IntegerValue:
    branches = [
        (kind == k, int_lit(param_int(snap, f"tekun.disability.max_grade.{k}")))
        for k in DISABILITY_KINDS
    ]
    return ibis.cases(*branches, else_=int_lit(0))  # hearing, speech: never by disability


def compute(ctx: Context) -> ir.Table:
    snap = ctx.snap
    m = ctx.facts.members
    months = ctx.facts.windows.income_months
    elderly = param_int(snap, "tekun.age.elderly")
    minor = param_int(snap, "tekun.age.minor")
    coverage = param_int(snap, "tekun.age.coverage")
    m = m.filter(
        m.counted
        & (
            m.age.isnull()
            | (m.age >= (elderly or 0))
            | (m.age < (coverage or 0))
            | m.disability_grade.notnull()
            | m.enrolled_tekun
        )
    )
    in_school = m.school_status.fill_null("none") != "none"
    if elderly is None or minor is None or coverage is None:
        by_age: ir.BooleanValue = ibis.null("boolean")
    else:
        by_age = (
            (m.age >= elderly)
            | (m.age < minor)
            | (m.enrolled_tekun & (m.age < coverage))
            | (m.enrolled_tekun & (m.age >= coverage) & in_school)
        )
    by_disability = ibis.ifelse(
        m.disability_grade.isnull(),
        ibis.literal(False),
        ibis.ifelse(
            m.disability_kind.isnull(),
            ibis.null("boolean"),
            m.disability_grade <= _max_grade(snap, m.disability_kind),
        ),
    )
    std = standard_fen(snap, m.area_type, m.division_code)
    one = ibis.literal(1, type="int64")
    fin_ok, _ = financial_within(
        snap,
        ibis.ifelse(
            m.a_financial_missing.fill_null(0) > 0,
            int_lit(None),
            m.a_financial_fen.fill_null(0),
        ),
        ibis.ifelse(m.major_illness, 1, 0),
        one,
        std,
    )
    vehicles_ok = not3(any3(m.a_vehicles_bad.fill_null(0), m.a_vehicles_null.fill_null(0)))
    business_ok = not3(any3(m.a_business_bad.fill_null(0), m.a_business_null.fill_null(0)))
    means = below_multiple(m.income_fen, months, one, std) & fin_ok & vehicles_ok & business_ok

    m = _supporters(ctx, m)
    no_able = not3(any3(m.able_true.fill_null(0), m.able_null.fill_null(0)))

    ratio = fraction(snap.value("tekun.standard.multiple_of_urban_dibao"))
    urban = param_fen(snap, "dibao.standard.urban", m.division_code)
    basic = round_div(urban * ratio.numerator, ratio.denominator) if ratio else int_lit(None)
    partial_min = param_int(snap, "tekun.care.partial_min_items")
    full_min = param_int(snap, "tekun.care.full_min_items")
    lost = m.self_care_items_lost
    if partial_min is None or full_min is None:
        tier: ir.StringValue = ibis.literal(None, type="string")
        care: ir.IntegerValue = int_lit(None)
    else:
        tier = ibis.cases(
            (lost >= full_min, "full"),
            (lost >= partial_min, "partial"),
            (lost.notnull(), "none"),
            else_=ibis.literal(None, type="string"),
        )
        care = ibis.cases(
            (lost >= full_min, param_fen(snap, "tekun.care_allowance.full", m.division_code)),
            (
                lost >= partial_min,
                param_fen(snap, "tekun.care_allowance.partial", m.division_code),
            ),
            (lost.notnull(), ibis.literal(0, type="int64")),
            else_=int_lit(None),
        )
    return m.select(
        "household_id",
        "person_id",
        "division_code",
        "area_type",
        "age",
        "disability_grade",
        "disability_kind",
        "self_care_items_lost",
        county_code=m.division_code.substr(0, 6),
        enrolled=m.enrolled_tekun,
        counted_members=ibis.literal(1, type="int64"),
        standard_fen=std,
        income_per_capita_fen=per_capita_fen(m.income_fen, months, one),
        own_financial_fen=m.a_financial_fen.fill_null(0),
        supporters=m.supporters.fill_null(0),
        able_supporters=m.able_true.fill_null(0),
        basic_living_fen=basic,
        care_tier=tier,
        c_no_work_capacity=by_age | by_disability,
        c_no_means_of_living=means,
        c_no_able_supporter=no_able,
        amount_fen=(basic + care).cast("int64"),
        detail=tier.fill_null("unknown"),
    )


# The legal basis as a caseworker reads it (the module docstring says it for developers).
LEGAL_BASIS = (
    "《特困人员认定办法》（民发〔2021〕43号）"
    "；重庆市特困人员基本生活标准（城市低保标准的 1.3 倍）"
    "。同时具备无劳动能力、无生活来源、无法定赡养抚养扶养义务人或其无履行能力三个条件的，"
    "认定为特困人员；照料护理标准按生活自理能力确定。"
)

PROGRAMME = Programme(
    name="tekun",
    label="特困人员救助供养（特困）",
    level="person",
    legal_basis=LEGAL_BASIS,
    conditions=CONDITIONS,
    compute=compute,
    amount_parameters=(
        "tekun.standard.multiple_of_urban_dibao",
        "dibao.standard.urban",
        "tekun.care.partial_min_items",
        "tekun.care.full_min_items",
        "tekun.care_allowance.full",
        "tekun.care_allowance.partial",
    ),
)
