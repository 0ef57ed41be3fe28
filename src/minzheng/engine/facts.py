"""Facts shared by every programme, derived once per evaluation from the population tables.

``member_facts``: one row per membership valid on the date, with the person's age, whether they
count in the household (programmes.md §0), their own income over the look-back window (excluded
kinds left out, imputed wage where the parameter has a value), their own assets and enrolments.
``household_facts``: one row per household with the counted members, the household's income,
assets, rigid spending, recent events and enrolments, and per relation to the head how many
members there are and how many of them could support a relative (read by 特困's supporter test
and the orphan allowance instead of pairing every member with every other).

Everything is an Ibis expression over the population tables: the same code runs for one
household and for the whole city, on DuckDB or Spark. Each fact table is read once and grouped
once; the two fact tables are the only wide intermediate results (``evaluation`` materialises
them).

Assumption (the registry enforces it: one current household per person): a person has at most
one membership valid on the date. A person's own assets are the assets recorded for them in the
household they belong to; their own income is every income record carrying their ``person_id``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from minzheng.engine import schema
from minzheng.engine.expr import (
    add_months,
    age_on,
    any3,
    count_null,
    count_packed,
    count_true,
    day_span,
    fen_col,
    flag,
    int64_sum,
    int_lit,
    not3,
    packed_or_null,
    param_fen,
    param_int,
    param_kinds,
    to_fen,
    unpack,
)
from minzheng.engine.parameters import ParameterSnapshot

VEHICLES_TESTED = ("car", "boat", "construction_machinery", "large_farm_machinery")
STUDENT_STATUSES = tuple(s for s in schema.SCHOOL_STATUSES if s != "none")
UNSAFE_HOUSING = ("C", "D")
# Relations (to the head) between which a legal duty of support exists: (person, supporter).
SUPPORT_PAIRS = (
    ("head", "spouse"),
    ("head", "child"),
    ("head", "parent"),
    ("spouse", "head"),
    ("spouse", "child"),
    ("child", "head"),
    ("child", "spouse"),
    ("parent", "head"),
    ("parent", "sibling"),
    ("parent", "parent"),
    ("sibling", "parent"),
    ("grandparent", "parent"),
    ("grandparent", "grandparent"),
)
SUPPORTER_RELATIONS = tuple(sorted({s for _, s in SUPPORT_PAIRS}))
# (a child's relation to the head, a parent's relation to the head)
PARENT_PAIRS = (("child", "head"), ("child", "spouse"), ("head", "parent"), ("sibling", "parent"))
PARENT_RELATIONS = tuple(sorted({p for _, p in PARENT_PAIRS}))
# The asset figures summed per (household, person) and per household.
ASSET_FIGURES = (
    "financial_fen",
    "financial_missing",
    "vehicles_bad",
    "vehicles_null",
    "business_bad",
    "business_null",
    "homes",
    "unsafe_homes",
    "home_area",
)


@dataclass(frozen=True)
class Windows:
    """The periods the rules look back over, all ending the day before ``as_of``."""

    as_of: dt.date
    income_months: int | None
    income_start: dt.date | None
    rigid_months: int | None
    rigid_start: dt.date | None

    @property
    def end(self) -> dt.date:
        return self.as_of - dt.timedelta(days=1)


@dataclass(frozen=True)
class Facts:
    as_of: dt.date
    windows: Windows
    members: ir.Table
    households: ir.Table
    # Per household: counted members' figures and supporter/parent counts per relation.
    household_members: ir.Table | None = None


Stage = Callable[[str, ir.Table], ir.Table]


def windows(snap: ParameterSnapshot) -> Windows:
    months = param_int(snap, "income.lookback_months")
    rigid = param_int(snap, "rigid_hardship.lookback_months") or months
    return Windows(
        as_of=snap.as_of,
        income_months=months,
        income_start=add_months(snap.as_of, -months) if months else None,
        rigid_months=rigid,
        rigid_start=add_months(snap.as_of, -rigid) if rigid else None,
    )


def area_type_of(division_code: ir.StringValue, recorded: ir.StringValue) -> ir.StringValue:
    """The recorded area type, else from the village code: 001–199 urban, 200–399 rural."""
    village = division_code.substr(9, 3)
    derived = ibis.cases(
        ((division_code.length() == 12) & (village >= "001") & (village < "200"), "urban"),
        ((division_code.length() == 12) & (village >= "200") & (village < "400"), "rural"),
        else_=ibis.null("string"),
    )
    return ibis.ifelse(recorded.isin(["urban", "rural"]), recorded, derived)


def disposable_fen(
    snap: ParameterSnapshot, area_type: ir.StringValue, division: ir.StringValue
) -> ir.IntegerValue:
    """Last year's per-capita disposable income (fen per year) for the area type."""
    return ibis.cases(
        (
            area_type == "urban",
            param_fen(snap, "disposable_income.previous_year.urban", division),
        ),
        (
            area_type == "rural",
            param_fen(snap, "disposable_income.previous_year.rural", division),
        ),
        else_=int_lit(None),
    )


def _income_rows(
    incomes: ir.Table, snap: ParameterSnapshot, start: dt.date, end: dt.date
) -> ir.Table:
    """Counted income records overlapping [start, end], each pro-rated by days (``part_fen``)."""
    excluded = param_kinds(snap, "income.excluded_kinds") or ()
    inc = incomes.filter(
        incomes.period_end >= start,
        incomes.period_start <= end,
        incomes.period_end >= incomes.period_start,
        ~incomes.kind.isin(list(excluded)) if excluded else ibis.literal(True),
    )
    lo = ibis.greatest(inc.period_start, ibis.literal(start))
    hi = ibis.least(inc.period_end, ibis.literal(end))
    part = (fen_col(inc.amount) * day_span(lo, hi)) // day_span(inc.period_start, inc.period_end)
    return inc.select(
        "person_id",
        "household_id",
        "kind",
        part_fen=part.cast("int64"),
        amount_missing=inc.amount.isnull().cast("int64"),
    )


def _income_per_person(inc: ir.Table, prefix: str) -> ir.Table:
    rows = inc.filter(inc.person_id.notnull())
    return rows.group_by(**{f"{prefix}person": rows.person_id}).aggregate(
        **{
            f"{prefix}own_fen": int64_sum(rows.part_fen),
            f"{prefix}missing": int64_sum(rows.amount_missing),
            f"{prefix}wage_rows": count_true(rows.kind == "wage"),
        }
    )


def _income_per_household(inc: ir.Table, prefix: str) -> ir.Table:
    rows = inc.filter(inc.person_id.isnull())
    return rows.group_by(**{f"{prefix}household": rows.household_id}).aggregate(
        **{
            f"{prefix}hh_fen": int64_sum(rows.part_fen),
            f"{prefix}hh_missing": int64_sum(rows.amount_missing),
        }
    )


def _imputed_annual_fen(snap: ParameterSnapshot, industry: ir.StringValue) -> ir.IntegerValue:
    prefix = "income.imputed_wage."
    branches = [
        (industry == name[len(prefix) :], int_lit(to_fen(snap.value(name))))
        for name in snap.names(prefix)
        if snap.known(name)
    ]
    if not branches:
        return int_lit(None)
    return ibis.cases(*branches, else_=int_lit(None))


def asset_pairs(assets: ir.Table, snap: ParameterSnapshot, as_of: dt.date) -> ir.Table:
    """Asset figures per (household, person) — person null for the household's own assets.

    Only the latest report of each (household, source) on or before the date counts.
    """
    day = ibis.literal(as_of)
    a = assets.filter(assets.as_of.isnull() | (assets.as_of <= day))
    latest = a.group_by(l_household=a.household_id, l_source=a.source).aggregate(
        l_as_of=a.as_of.max()
    )
    a = a.join(
        latest,
        [
            a.household_id.identical_to(latest.l_household),
            a.source.identical_to(latest.l_source),
        ],
    )
    a = a.filter(a.l_as_of.isnull() | (a.as_of == a.l_as_of))
    exempt_fen = param_fen(snap, "dibao.assets.vehicle_exempt_value")
    value_fen = fen_col(a.value)
    financial = a.kind.isin(list(schema.FINANCIAL_ASSET_KINDS))
    vehicle_bad = ibis.ifelse(
        a.kind.isin(list(VEHICLES_TESTED)),
        ibis.ifelse(a.kind == "car", value_fen > exempt_fen, ibis.literal(True, type="boolean")),
        ibis.literal(False, type="boolean"),
    )
    business_bad = ibis.ifelse(
        (a.kind == "business") & a.business_role.isin(list(schema.BUSINESS_ROLES)),
        a.business_operating,
        ibis.literal(False, type="boolean"),
    )
    grade = a.housing_grade.fill_null("")
    is_home = (a.kind == "home") & ~grade.isin(list(UNSAFE_HOUSING))
    return a.group_by(a_household=a.household_id, a_person=a.person_id).aggregate(
        a_financial_fen=int64_sum(ibis.ifelse(financial, value_fen, 0).fill_null(0)),
        a_financial_missing=count_true(financial & a.value.isnull()),
        a_vehicles_bad=count_true(vehicle_bad),
        a_vehicles_null=count_null(vehicle_bad),
        a_business_bad=count_true(business_bad),
        a_business_null=count_null(business_bad),
        a_homes=count_true(is_home),
        a_unsafe_homes=count_true((a.kind == "home") & grade.isin(list(UNSAFE_HOUSING))),
        a_home_area=int64_sum(ibis.ifelse(is_home, (a.floor_area * 100).cast("int64"), int_lit(0))),
    )


def _addon(snap: ParameterSnapshot, m: ir.Table) -> ir.IntegerValue:
    """The highest 分类施保 add-on (fen a month) that applies to a member; null when unknown."""
    params = [param_fen(snap, f"dibao.addon.{k}") for k in ("student", "severe", "disabled")]
    severe_grade = param_int(snap, "dibao.addon.severe_max_grade")
    severe_age = param_int(snap, "dibao.addon.severe_age")
    if any(snap.value(f"dibao.addon.{k}") is None for k in ("student", "severe", "disabled")) or (
        severe_grade is None or severe_age is None
    ):
        return int_lit(None)
    student = m.school_status.isin(list(STUDENT_STATUSES)).fill_null(False)
    severe = (
        (m.disability_grade <= severe_grade).fill_null(False)
        | m.major_illness
        | (m.age >= severe_age).fill_null(False)
    )
    disabled = m.disability_grade.notnull()
    return ibis.greatest(
        ibis.ifelse(student, params[0], 0),
        ibis.ifelse(severe, params[1], 0),
        ibis.ifelse(disabled, params[2], 0),
    ).cast("int64")


def member_facts(
    tables: Mapping[str, ir.Table], snap: ParameterSnapshot, win: Windows, pairs: ir.Table
) -> ir.Table:
    """One row per membership valid on the date, with everything the programmes read of a member."""
    as_of = snap.as_of
    day = ibis.literal(as_of)
    ms = tables["memberships"]
    ms = ms.filter(
        ms.valid_from.isnull() | (ms.valid_from <= day),
        ms.valid_to.isnull() | (ms.valid_to >= day),
    ).select("household_id", "person_id", "relation", apart_reason=ms.apart_reason.fill_null(""))
    p = tables["persons"]
    deceased = (p.life_status == "deceased").fill_null(False) | (p.death_date <= day).fill_null(
        False
    )
    persons = p.select(
        "person_id",
        "disability_grade",
        "disability_kind",
        "self_care_items_lost",
        "work_capacity",
        "school_status",
        "employment_status",
        "industry",
        age=age_on(p.birth_date, as_of),
        living=~deceased,
        is_missing=(p.life_status == "missing").fill_null(False),
        major_illness=p.major_illness.fill_null(False),
        lacks_civil_capacity=p.lacks_civil_capacity.fill_null(False),
    )
    h = tables["households"]
    hh = h.select(
        m_household=h.household_id,
        division_code=h.division_code,
        area_type=area_type_of(h.division_code.fill_null(""), h.area_type.fill_null("")),
    )
    m = ms.left_join(hh, ms.household_id == hh.m_household).drop("m_household")
    m = m.join(persons, "person_id")

    # --- own income over the look-back window (and over the rigid-spending window) ------------
    if win.income_start is not None:
        inc = _income_per_person(
            _income_rows(tables["incomes"], snap, win.income_start, win.end), "i_"
        )
        m = m.left_join(inc, m.person_id == inc.i_person).drop("i_person")
        needs_imputation = (m.employment_status == "employed").fill_null(False) & (
            m.i_wage_rows.fill_null(0) == 0
        )
        imputed = (_imputed_annual_fen(snap, m.industry) * win.income_months) // 12
        imputed_fen = ibis.ifelse(needs_imputation, imputed.cast("int64"), int_lit(0))
        m = m.mutate(
            imputed_fen=imputed_fen,
            income_fen=ibis.ifelse(
                m.i_missing.fill_null(0) > 0,
                int_lit(None),
                m.i_own_fen.fill_null(0) + imputed_fen,
            ),
        ).drop("i_own_fen", "i_missing", "i_wage_rows")
    else:
        m = m.mutate(imputed_fen=int_lit(0), income_fen=int_lit(None))
    if win.rigid_start is not None and win.rigid_start != win.income_start:
        rinc = _income_per_person(
            _income_rows(tables["incomes"], snap, win.rigid_start, win.end), "r_"
        )
        m = m.left_join(rinc, m.person_id == rinc.r_person).drop("r_person")
        m = m.mutate(rigid_income_fen=m.r_own_fen.fill_null(0) + m.imputed_fen).drop(
            "r_own_fen", "r_missing", "r_wage_rows"
        )
    else:
        m = m.mutate(rigid_income_fen=m.income_fen)

    # --- own assets (the household's records for this person) ----------------------------------
    pairs = pairs.filter(pairs.a_person.notnull())
    m = m.left_join(
        pairs, [m.person_id == pairs.a_person, m.household_id == pairs.a_household]
    ).drop("a_person", "a_household")

    # --- enrolments active on the date ---------------------------------------------------------
    e = tables["enrolments"]
    e = e.filter(
        e.start_date <= day,
        e.end_date.isnull() | (e.end_date >= day),
        e.programme.isin(["tekun", "dibao"]),
    )
    tekun_people = (
        e.filter(e.programme == "tekun", e.person_id.notnull()).select(tk_id=e.person_id).distinct()
    )
    on_dibao = e.filter(e.programme == "dibao").select(dh_id=e.household_id).distinct()
    m = m.left_join(tekun_people, m.person_id == tekun_people.tk_id)
    m = m.left_join(on_dibao, m.household_id == on_dibao.dh_id)
    m = m.mutate(
        enrolled_tekun=m.tk_id.notnull(),
        hh_enrolled_dibao=m.dh_id.notnull(),
        counted=m.living & ~m.is_missing & (m.apart_reason == ""),
    ).drop("tk_id", "dh_id")
    m = m.mutate(addon_fen=_addon(snap, m), able_supporter=able_supporter(snap, win, m))
    return m.drop("imputed_fen", "industry")


def able_supporter(snap: ParameterSnapshot, win: Windows, m: ir.Table) -> ir.BooleanValue:
    """Whether a member could support a relative (three-valued): not 特困, not a 60+ 低保
    recipient, not 70+ or severely disabled with income below the disposable income, has civil
    capacity, is not missing or in prison."""
    months = win.income_months
    dibao_age = param_int(snap, "tekun.supporter.dibao_age")
    elderly_age = param_int(snap, "tekun.supporter.elderly_age")
    severe = param_int(snap, "tekun.supporter.severe_max_grade")
    disposable = disposable_fen(snap, m.area_type, m.division_code)
    low_income = m.income_fen * 12 < disposable * (months or 0) if months else ibis.null("boolean")
    old_or_severe = (m.age >= (elderly_age if elderly_age is not None else 10_000)) | (
        m.disability_grade <= (severe if severe is not None else 0)
    ).fill_null(False)
    unable = (
        m.enrolled_tekun
        | (m.hh_enrolled_dibao & (m.age >= (dibao_age or 10_000)))
        | (old_or_severe & low_income)
        | m.lacks_civil_capacity
        | m.is_missing
        | m.apart_reason.isin(["missing", "prison"])
    )
    return not3(unable)


def _total(terms: list[ir.IntegerValue]) -> ir.IntegerValue:
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


# Counts of counted members per household.
MEMBER_COUNTS = (
    "counted_members",
    "income_unknown_members",
    "rigid_income_unknown_members",
    "major_illness_members",
    "addons_unknown",
    "students",
    "disabled_members",
    "unemployed_able",
)


def member_aggregates(members: ir.Table, *, packed: bool = False) -> ir.Table:
    """Per household named by a membership: the counted members' figures, and how many of its
    members stand to each member as a supporter or a parent (by relation to the head).

    Each count is a count of its own (``count_true``: the cheapest for a whole population), or
    with ``packed`` three counts are summed as one int64 (``count_packed``): for the household
    engine, whose plan runs on a few rows and costs most in setting up its operators — 35
    filtered counts cost one household about 9 % more than 12 packed sums.
    """
    m = members
    c = m.counted
    able = m.able_supporter
    conds: dict[str, ir.BooleanValue] = {
        "counted_members": c,
        "income_unknown_members": c & m.income_fen.isnull(),
        "rigid_income_unknown_members": c & m.rigid_income_fen.isnull(),
        "major_illness_members": c & m.major_illness,
        "addons_unknown": c & m.addon_fen.isnull(),
        "students": c & m.school_status.isin(list(STUDENT_STATUSES)),
        "disabled_members": c & m.disability_grade.notnull(),
        "unemployed_able": c & (m.employment_status == "unemployed") & (m.work_capacity != "none"),
    }
    # name -> condition of every count, in groups of at most three (the packed sums)
    groups: list[dict[str, ir.BooleanValue]] = [
        {name: conds[name] for name in MEMBER_COUNTS[i : i + 3]}
        for i in range(0, len(MEMBER_COUNTS), 3)
    ]
    for rel in SUPPORTER_RELATIONS:
        is_rel = m.living & (m.relation == rel)
        groups.append(
            {
                f"s_{rel}": is_rel,
                f"s_{rel}_able": is_rel & able,
                f"s_{rel}_null": is_rel & able.isnull(),
            }
        )
    for rel in PARENT_RELATIONS:
        is_rel = m.relation == rel
        groups.append(
            {
                f"p_{rel}": is_rel,
                f"p_{rel}_alive": is_rel & m.living & ~m.is_missing,
                f"p_{rel}_dead": is_rel & ~m.living,
            }
        )
    aggs: dict[str, ir.Value] = {"members_total": m.count()}
    if packed:
        aggs |= {f"k_{i}": count_packed(*group.values()) for i, group in enumerate(groups)}
    else:
        aggs |= {name: count_true(cond) for group in groups for name, cond in group.items()}
    # The counted members' figures (a sum of nothing is null).
    figures = {
        "members_income_fen": m.income_fen,
        "members_rigid_income_fen": m.rigid_income_fen,
        "addons_fen_sum": m.addon_fen,
        **{f"m_{fig}": m[f"a_{fig}"] for fig in ASSET_FIGURES},
    }
    aggs |= {name: int64_sum(ibis.ifelse(c, v, int_lit(None))) for name, v in figures.items()}
    g = m.group_by(g_household=m.household_id).aggregate(**aggs)
    if packed:
        totals = {
            f"k_{i}": packed_or_null(g[f"k_{i}"], g.members_total) for i in range(len(groups))
        }
        counts = {
            name: unpack(totals[f"k_{i}"], j)
            for i, group in enumerate(groups)
            for j, name in enumerate(group)
        }
    else:
        counts = {name: g[name] for group in groups for name in group}
    # Per relation of a member: their supporters (and parents) among the household's members,
    # themselves included where the pair is symmetric (a parent beside another parent).
    derived: dict[str, ir.Value] = {name: counts[name] for name in MEMBER_COUNTS}
    for suffix in ("", "_able", "_null"):
        for person in sorted({p for p, _ in SUPPORT_PAIRS}):
            terms = [counts[f"s_{s}{suffix}"] for p, s in SUPPORT_PAIRS if p == person]
            derived[f"sup_{person}{suffix}"] = _total(terms)
    for suffix in ("", "_alive", "_dead"):
        for child in sorted({c for c, _ in PARENT_PAIRS}):
            terms = [counts[f"p_{p}{suffix}"] for c, p in PARENT_PAIRS if c == child]
            derived[f"par_{child}{suffix}"] = _total(terms)
    return g.select("g_household", "members_total", *figures, **derived)


def _household_records(
    tables: Mapping[str, ir.Table], snap: ParameterSnapshot, win: Windows
) -> ir.Table:
    """Per household: its household-level income (person null) over the look-back windows, its
    enrolments, recent temporary aid, spending and events — the rows of every source stacked
    (each source filling its own columns) and grouped once."""
    as_of = snap.as_of
    day = ibis.literal(as_of)
    flags = ("enrolled_dibao", "enrolled_near_dibao", "enrolled_rigid_hardship")
    branches: list[tuple[ir.Table, dict[str, ir.Value]]] = []

    def add(table: ir.Table, values: dict[str, ir.Value]) -> None:
        branches.append((table, values))

    inc_windows = []
    if win.income_start is not None:
        inc_windows.append(("i_", win.income_start))
    if win.rigid_start is not None and win.rigid_start != win.income_start:
        inc_windows.append(("r_", win.rigid_start))
    columns: list[str] = []
    for prefix, start in inc_windows:
        rows = _income_rows(tables["incomes"], snap, start, win.end)
        rows = rows.filter(rows.person_id.isnull())
        values: dict[str, ir.Value] = {f"{prefix}hh_fen": rows.part_fen}
        if prefix == "i_":
            values["i_hh_missing"] = rows.amount_missing.cast("int64")
        columns += list(values)
        add(rows, values)

    e = tables["enrolments"]
    e = e.filter(
        e.start_date <= day,
        e.end_date.isnull() | (e.end_date >= day),
        e.programme.isin(["dibao", "near_dibao", "rigid_hardship"]),
    )
    add(
        e,
        {
            "enrolled_dibao": e.programme == "dibao",
            "enrolled_near_dibao": e.programme == "near_dibao",
            "enrolled_rigid_hardship": e.programme == "rigid_hardship",
        },
    )
    same_cause = param_int(snap, "temporary_aid.same_cause_months")
    ta = tables["enrolments"]
    ta = ta.filter(
        ta.programme == "temporary_aid",
        ta.start_date <= day,
        ta.start_date > ibis.literal(add_months(as_of, -(same_cause or 12))),
    )
    add(ta, {"temporary_aid_recent": ibis.literal(1, type="int64")})

    x = tables["expenditures"]
    rigid_kinds = param_kinds(snap, "rigid_hardship.expenditure_kinds") or ()
    ta_kinds = param_kinds(snap, "temporary_aid.expenditure.kinds") or ()
    ta_months = param_int(snap, "temporary_aid.expenditure.lookback_months")
    rigid_start = win.rigid_start or as_of
    ta_start = add_months(as_of, -ta_months) if ta_months else as_of
    x = x.filter(
        x.date <= ibis.literal(win.end), x.date >= ibis.literal(min(rigid_start, ta_start))
    )
    xf = fen_col(x.amount).fill_null(0)
    add(
        x,
        {
            "rigid_spending_fen": ibis.ifelse(
                x.kind.isin(list(rigid_kinds or ("-",))) & (x.date >= ibis.literal(rigid_start)),
                xf,
                0,
            ),
            "ta_spending_fen": ibis.ifelse(
                x.kind.isin(list(ta_kinds or ("-",))) & (x.date >= ibis.literal(ta_start)), xf, 0
            ),
            "medical_spending_fen": ibis.ifelse(x.kind == "medical", xf, 0),
        },
    )

    ev = tables["events"]
    recent_days = param_int(snap, "temporary_aid.emergency.recent_days")
    kinds = param_kinds(snap, "temporary_aid.emergency.event_kinds") or ()
    purchase_years = param_int(snap, "dibao.consumption.home_purchase_years")
    ev = ev.filter(ev.date <= day)
    add(
        ev,
        {
            "emergency_events": flag(
                ev.kind.isin(list(kinds or ("-",)))
                & (ev.date > ibis.literal(as_of - dt.timedelta(days=recent_days or 0)))
            ),
            "home_purchases": flag(
                (ev.kind == "home_purchase")
                & (ev.date > ibis.literal(add_months(as_of, -12 * (purchase_years or 0))))
            ),
        },
    )
    names = [
        *columns,
        *flags,
        "temporary_aid_recent",
        "rigid_spending_fen",
        "ta_spending_fen",
        "medical_spending_fen",
        "emergency_events",
        "home_purchases",
    ]
    types = {name: ("boolean" if name in flags else "int64") for name in names}
    parts = []
    for table, values in branches:
        row: dict[str, ir.Value] = {"r_household": table.household_id}
        for name in names:
            row[name] = values[name].cast(types[name]) if name in values else ibis.null(types[name])
        parts.append(table.select(**row))
    stacked = ibis.union(*parts, distinct=False)
    aggs: dict[str, ir.Value] = {
        name: (stacked[name].any() if name in flags else int64_sum(stacked[name])) for name in names
    }
    return stacked.group_by("r_household").aggregate(**aggs)


def household_facts(
    tables: Mapping[str, ir.Table],
    magg: ir.Table,
    snap: ParameterSnapshot,
    win: Windows,
    pairs: ir.Table,
) -> ir.Table:
    """One row per household (of the households table, or named by a membership), with
    ``registered`` telling which: only registered households get household determinations."""

    h = tables["households"]
    hh = h.select(
        "household_id",
        division_code=h.division_code,
        area_type=area_type_of(h.division_code.fill_null(""), h.area_type.fill_null("")),
    )
    hf = hh.outer_join(magg, hh.household_id == magg.g_household)
    hf = hf.mutate(
        registered=hf.household_id.notnull(),
        household_id=hf.household_id.fill_null(hf.g_household),
    ).drop("g_household")

    # --- the household's own assets (no person) -----------------------------------------------
    own = pairs.filter(pairs.a_person.isnull()).drop("a_person")
    hf = hf.left_join(own, hf.household_id == own.a_household).drop("a_household")

    # --- household-level income, enrolments, spending and events: one pass, one grouping ------
    records = _household_records(tables, snap, win)
    hf = hf.left_join(records, hf.household_id == records.r_household).drop("r_household")
    if win.income_start is None:
        hf = hf.mutate(i_hh_fen=int_lit(None), i_hh_missing=int_lit(1))
    if "r_hh_fen" not in hf.columns:
        hf = hf.mutate(r_hh_fen=hf.i_hh_fen)

    zero = ibis.literal(0, type="int64")

    def total(fig: str) -> ir.IntegerValue:
        """A household's asset figure: its own records plus its counted members' records."""
        return hf[f"a_{fig}"].fill_null(0) + hf[f"m_{fig}"].fill_null(0)

    out: dict[str, ir.Value] = {
        "household_id": hf.household_id,
        "registered": hf.registered,
        "division_code": hf.division_code,
        "area_type": hf.area_type,
        "county_code": hf.division_code.substr(0, 6),
        "members_total": hf.members_total.fill_null(0),
        "counted_members": hf.counted_members.fill_null(0),
        "income_fen": ibis.ifelse(
            (hf.income_unknown_members.fill_null(0) > 0) | (hf.i_hh_missing.fill_null(0) > 0),
            int_lit(None),
            hf.members_income_fen.fill_null(0) + hf.i_hh_fen.fill_null(0),
        ),
        "rigid_income_fen": ibis.ifelse(
            hf.rigid_income_unknown_members.fill_null(0) > 0,
            int_lit(None),
            hf.members_rigid_income_fen.fill_null(0) + hf.r_hh_fen.fill_null(0),
        ),
        "financial_fen": ibis.ifelse(
            total("financial_missing") > 0, int_lit(None), total("financial_fen")
        ),
        "major_illness_members": hf.major_illness_members.fill_null(0),
        "vehicles_ok": not3(any3(total("vehicles_bad"), total("vehicles_null"))),
        "business_ok": not3(any3(total("business_bad"), total("business_null"))),
        "homes": total("homes"),
        "unsafe_homes": total("unsafe_homes"),
        "home_area": total("home_area"),
        "disabled_members": hf.disabled_members.fill_null(0),
        "unemployed_able": hf.unemployed_able.fill_null(0),
        "addons_fen": ibis.ifelse(
            hf.addons_unknown.fill_null(0) > 0, int_lit(None), hf.addons_fen_sum.fill_null(0)
        ),
        "students": hf.students.fill_null(0),
        "enrolled_dibao": hf.enrolled_dibao.fill_null(False),
        "enrolled_near_dibao": hf.enrolled_near_dibao.fill_null(False),
        "enrolled_rigid_hardship": hf.enrolled_rigid_hardship.fill_null(False),
        "temporary_aid_recent": hf.temporary_aid_recent.fill_null(zero),
        "rigid_spending_fen": hf.rigid_spending_fen.fill_null(zero),
        "ta_spending_fen": hf.ta_spending_fen.fill_null(zero),
        "medical_spending_fen": hf.medical_spending_fen.fill_null(zero),
        "emergency_events": hf.emergency_events.fill_null(zero),
        "home_purchases": hf.home_purchases.fill_null(zero),
    }
    for col in magg.columns:
        if col.startswith("par_"):
            out[col] = hf[col].fill_null(zero)
    return hf.select(**out)


def build_facts(
    tables: Mapping[str, ir.Table],
    snap: ParameterSnapshot,
    stage: Stage,
    *,
    packed_counts: bool = False,
) -> Facts:
    """The member and household facts on the snapshot's date (``stage`` materialises;
    ``packed_counts`` for a plan run on a few rows, see ``member_aggregates``)."""
    win = windows(snap)
    pairs = stage("asset_pairs", asset_pairs(tables["assets"], snap, snap.as_of))
    members = stage("members", member_facts(tables, snap, win, pairs))
    magg = stage("household_members", member_aggregates(members, packed=packed_counts))
    households = household_facts(tables, magg, snap, win, pairs)
    return Facts(
        as_of=snap.as_of,
        windows=win,
        members=members,
        households=households,
        household_members=magg,
    )
