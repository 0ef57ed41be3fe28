"""Facts shared by every programme, derived once per evaluation from the population tables.

``member_facts``: one row per membership valid on the date, with the person's age, whether they
count in the household (programmes.md §0), their own income over the look-back window (excluded
kinds left out, imputed wage where the parameter has a value), their own assets and enrolments.
``household_facts``: one row per household with the counted members, the household's income,
assets, rigid spending, recent events and enrolments. Everything is an Ibis expression: the same
code runs for one household and for the whole city, on DuckDB or Spark.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from minzheng.engine import schema
from minzheng.engine.expr import (
    add_months,
    age_on,
    any3,
    count_null,
    count_true,
    day_span,
    fen_col,
    int_lit,
    param_fen,
    param_int,
    param_kinds,
    to_fen,
)
from minzheng.engine.parameters import ParameterSnapshot
from minzheng.engine.population import Population

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


def _income_totals(
    pop: Population, snap: ParameterSnapshot, start: dt.date, end: dt.date
) -> tuple[ir.Table, ir.Table]:
    """Counted income over [start, end], pro-rated by days: per person, and household-level rows."""
    excluded = param_kinds(snap, "income.excluded_kinds") or ()
    inc = pop.incomes
    inc = inc.filter(
        inc.period_end >= start,
        inc.period_start <= end,
        inc.period_end >= inc.period_start,
        ~inc.kind.isin(list(excluded)) if excluded else ibis.literal(True),
    )
    lo = ibis.greatest(inc.period_start, ibis.literal(start))
    hi = ibis.least(inc.period_end, ibis.literal(end))
    part = (fen_col(inc.amount) * day_span(lo, hi)) // day_span(inc.period_start, inc.period_end)
    inc = inc.mutate(
        part_fen=part.cast("int64"),
        amount_missing=ibis.ifelse(inc.amount.isnull(), 1, 0),
        wage_row=ibis.ifelse(inc.kind == "wage", 1, 0),
    )
    per_person = (
        inc.filter(inc.person_id.notnull())
        .group_by("person_id")
        .aggregate(
            own_income_fen=inc.part_fen.sum(),
            income_missing=inc.amount_missing.sum(),
            wage_rows=inc.wage_row.sum(),
        )
    )
    per_household = (
        inc.filter(inc.person_id.isnull())
        .group_by("household_id")
        .aggregate(hh_income_fen=inc.part_fen.sum(), hh_income_missing=inc.amount_missing.sum())
    )
    return per_person, per_household


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


def _identity(table: ir.Table) -> ir.Table:
    return table


def build_facts(
    pop: Population,
    snap: ParameterSnapshot,
    materialize: Callable[[ir.Table], ir.Table] = _identity,
) -> Facts:
    """The member and household facts on the snapshot's date.

    ``materialize`` is applied to the member facts before the household facts read them (and to
    the household facts): ``Table.cache`` for whole-population runs keeps every later query small.
    """
    as_of = snap.as_of
    win = windows(snap)
    day = ibis.literal(as_of)

    # --- members valid on the date, with who counts (§0) ---------------------------------------
    ms = pop.memberships
    ms = ms.filter(
        ms.valid_from.isnull() | (ms.valid_from <= day),
        ms.valid_to.isnull() | (ms.valid_to >= day),
    )
    p = pop.persons
    deceased = (p.life_status == "deceased").fill_null(False) | (p.death_date <= day).fill_null(
        False
    )
    persons = p.mutate(
        age=age_on(p.birth_date, as_of),
        living=~deceased,
        is_missing=(p.life_status == "missing").fill_null(False),
        major_illness=p.major_illness.fill_null(False),
        lacks_civil_capacity=p.lacks_civil_capacity.fill_null(False),
    ).drop("source", "id_number", "name")
    m = ms.select("household_id", "person_id", "relation", "apart_reason").join(
        persons, "person_id"
    )
    m = m.mutate(
        apart_reason=m.apart_reason.fill_null(""),
        counted=m.living & ~m.is_missing & (m.apart_reason.fill_null("") == ""),
    )

    # --- household attributes ------------------------------------------------------------------
    h = pop.households
    hh = h.select(
        "household_id",
        division_code=h.division_code,
        area_type=area_type_of(h.division_code.fill_null(""), h.area_type.fill_null("")),
    )

    # --- income --------------------------------------------------------------------------------
    m = m.left_join(hh, "household_id").drop("household_id_right")
    if win.income_start is not None:
        per_person, per_hh = _income_totals(pop, snap, win.income_start, win.end)
        m = m.left_join(per_person, "person_id").drop("person_id_right")
        needs_imputation = (m.employment_status == "employed").fill_null(False) & (
            m.wage_rows.fill_null(0) == 0
        )
        imputed = (_imputed_annual_fen(snap, m.industry) * win.income_months) // 12
        m = m.mutate(
            needs_imputation=needs_imputation,
            imputed_fen=ibis.ifelse(needs_imputation, imputed.cast("int64"), int_lit(0)),
        )
        m = m.mutate(
            income_fen=ibis.ifelse(
                m.income_missing.fill_null(0) > 0,
                int_lit(None),
                m.own_income_fen.fill_null(0) + m.imputed_fen,
            )
        )
    else:
        m = m.mutate(
            needs_imputation=ibis.literal(False), imputed_fen=int_lit(0), income_fen=int_lit(None)
        )
        per_hh = None
    if win.rigid_start is not None and win.rigid_start != win.income_start:
        rp, rh = _income_totals(pop, snap, win.rigid_start, win.end)
        m = m.left_join(rp.select("person_id", rigid_own=rp.own_income_fen), "person_id").drop(
            "person_id_right"
        )
        m = m.mutate(rigid_income_fen=m.rigid_own.fill_null(0) + m.imputed_fen).drop("rigid_own")
    else:
        m = m.mutate(rigid_income_fen=m.income_fen)
        rh = per_hh

    # --- assets: the latest report of each source on or before the date -----------------------
    a = pop.assets.filter(pop.assets.as_of.isnull() | (pop.assets.as_of <= day))
    a = a.mutate(latest=a.as_of.max().over(group_by=[a.household_id, a.source]))
    a = a.filter(a.latest.isnull() | (a.as_of == a.latest))
    exempt_fen = param_fen(snap, "dibao.assets.vehicle_exempt_value")
    value_fen = fen_col(a.value)
    vehicle_bad = ibis.ifelse(
        a.kind == "car", value_fen > exempt_fen, ibis.literal(True, type="boolean")
    )
    a = a.mutate(
        fin_fen=ibis.ifelse(a.kind.isin(list(schema.FINANCIAL_ASSET_KINDS)), value_fen, 0),
        fin_missing=a.kind.isin(list(schema.FINANCIAL_ASSET_KINDS)) & a.value.isnull(),
        vehicle_bad=ibis.ifelse(
            a.kind.isin(list(VEHICLES_TESTED)), vehicle_bad, ibis.literal(False, type="boolean")
        ),
        business_bad=ibis.ifelse(
            (a.kind == "business") & a.business_role.isin(list(schema.BUSINESS_ROLES)),
            a.business_operating,
            ibis.literal(False, type="boolean"),
        ),
        is_home=(a.kind == "home") & ~a.housing_grade.fill_null("").isin(list(UNSAFE_HOUSING)),
    )
    a = a.mutate(
        home_area=ibis.ifelse(a.is_home, (a.floor_area * 100).cast("int64"), int_lit(0)),
    )
    counted_ids = m.select(apid=m.person_id, ahid=m.household_id, acounted=m.counted)
    a = a.left_join(
        counted_ids, (a.person_id == counted_ids.apid) & (a.household_id == counted_ids.ahid)
    )
    a = a.filter(a.person_id.isnull() | a.acounted.fill_null(False))

    def asset_aggs(t: ir.Table) -> dict[str, ir.Value]:
        return {
            "financial_fen": t.fin_fen.fill_null(0).sum(),
            "financial_missing": count_true(t.fin_missing),
            "vehicles_bad": count_true(t.vehicle_bad),
            "vehicles_null": count_null(t.vehicle_bad),
            "business_bad": count_true(t.business_bad),
            "business_null": count_null(t.business_bad),
            "homes": ibis.ifelse(t.is_home, 1, 0).sum(),
            "unsafe_homes": ibis.ifelse(
                (t.kind == "home") & t.housing_grade.fill_null("").isin(list(UNSAFE_HOUSING)), 1, 0
            ).sum(),
            "home_area": t.home_area.sum(),
        }

    pa_ = a.filter(a.person_id.notnull()).group_by("person_id").aggregate(**asset_aggs(a))
    ha = a.group_by("household_id").aggregate(**asset_aggs(a))

    m = m.left_join(
        pa_.select(
            "person_id",
            own_financial_fen="financial_fen",
            own_financial_missing="financial_missing",
            own_vehicles_bad="vehicles_bad",
            own_vehicles_null="vehicles_null",
            own_business_bad="business_bad",
            own_business_null="business_null",
        ),
        "person_id",
    ).drop("person_id_right")

    # --- enrolments active on the date ----------------------------------------------------------
    e = pop.enrolments
    e = e.filter(e.start_date <= day, e.end_date.isnull() | (e.end_date >= day))
    tekun_people = (
        e.filter(e.programme == "tekun", e.person_id.notnull()).select(tk_id=e.person_id).distinct()
    )
    m = m.left_join(tekun_people, m.person_id == tekun_people.tk_id)
    m = m.mutate(enrolled_tekun=m.tk_id.notnull()).drop("tk_id")
    hh_enrol = e.filter(e.programme.isin(["dibao", "near_dibao", "rigid_hardship"]))
    hh_enrol = hh_enrol.group_by("household_id").aggregate(
        enrolled_dibao=(hh_enrol.programme == "dibao").any(),
        enrolled_near_dibao=(hh_enrol.programme == "near_dibao").any(),
        enrolled_rigid_hardship=(hh_enrol.programme == "rigid_hardship").any(),
    )
    same_cause = param_int(snap, "temporary_aid.same_cause_months")
    ta = pop.enrolments
    ta = ta.filter(
        ta.programme == "temporary_aid",
        ta.start_date <= day,
        ta.start_date > ibis.literal(add_months(as_of, -(same_cause or 12))),
    )
    ta = ta.group_by("household_id").aggregate(temporary_aid_recent=ta.count())

    # --- per-member add-ons (分类施保) ----------------------------------------------------------
    addon_params = [param_fen(snap, f"dibao.addon.{k}") for k in ("student", "severe", "disabled")]
    severe_grade = param_int(snap, "dibao.addon.severe_max_grade")
    severe_age = param_int(snap, "dibao.addon.severe_age")
    if any(snap.value(f"dibao.addon.{k}") is None for k in ("student", "severe", "disabled")) or (
        severe_grade is None or severe_age is None
    ):
        addon = int_lit(None)
    else:
        student = m.school_status.isin(list(STUDENT_STATUSES)).fill_null(False)
        severe = (
            (m.disability_grade <= severe_grade).fill_null(False)
            | m.major_illness
            | (m.age >= severe_age).fill_null(False)
        )
        disabled = m.disability_grade.notnull()
        addon = ibis.greatest(
            ibis.ifelse(student, addon_params[0], 0),
            ibis.ifelse(severe, addon_params[1], 0),
            ibis.ifelse(disabled, addon_params[2], 0),
        )
    m = materialize(m.mutate(addon_fen=addon.cast("int64")))

    # --- household aggregates -------------------------------------------------------------------
    counted = m.filter(m.counted)
    agg = counted.group_by("household_id").aggregate(
        counted_members=counted.count(),
        members_income_fen=counted.income_fen.sum(),
        income_unknown_members=count_null(counted.income_fen),
        members_rigid_income_fen=counted.rigid_income_fen.sum(),
        rigid_income_unknown_members=count_null(counted.rigid_income_fen),
        major_illness_members=count_true(counted.major_illness),
        addons_fen=counted.addon_fen.sum(),
        addons_unknown=count_null(counted.addon_fen),
        students=count_true(counted.school_status.isin(list(STUDENT_STATUSES))),
        disabled_members=count_true(counted.disability_grade.notnull()),
        unemployed_able=count_true(
            (counted.employment_status == "unemployed") & (counted.work_capacity != "none")
        ),
    )
    all_members = m.group_by("household_id").aggregate(members_total=m.count())

    x = pop.expenditures
    rigid_kinds = param_kinds(snap, "rigid_hardship.expenditure_kinds") or ()
    ta_kinds = param_kinds(snap, "temporary_aid.expenditure.kinds") or ()
    ta_months = param_int(snap, "temporary_aid.expenditure.lookback_months")
    rigid_start = win.rigid_start or as_of
    ta_start = add_months(as_of, -ta_months) if ta_months else as_of
    x = x.filter(
        x.date <= ibis.literal(win.end), x.date >= ibis.literal(min(rigid_start, ta_start))
    )
    xf = fen_col(x.amount).fill_null(0)
    xs = x.group_by("household_id").aggregate(
        rigid_spending_fen=ibis.ifelse(
            x.kind.isin(list(rigid_kinds or ("-",))) & (x.date >= ibis.literal(rigid_start)), xf, 0
        ).sum(),
        ta_spending_fen=ibis.ifelse(
            x.kind.isin(list(ta_kinds or ("-",))) & (x.date >= ibis.literal(ta_start)), xf, 0
        ).sum(),
        medical_spending_fen=ibis.ifelse(x.kind == "medical", xf, 0).sum(),
    )

    ev = pop.events
    recent_days = param_int(snap, "temporary_aid.emergency.recent_days")
    kinds = param_kinds(snap, "temporary_aid.emergency.event_kinds") or ()
    purchase_years = param_int(snap, "dibao.consumption.home_purchase_years")
    ev = ev.filter(ev.date <= day)
    evs = ev.group_by("household_id").aggregate(
        emergency_events=ibis.ifelse(
            ev.kind.isin(list(kinds or ("-",)))
            & (ev.date > ibis.literal(as_of - dt.timedelta(days=recent_days or 0))),
            1,
            0,
        ).sum(),
        home_purchases=ibis.ifelse(
            (ev.kind == "home_purchase")
            & (ev.date > ibis.literal(add_months(as_of, -12 * (purchase_years or 0)))),
            1,
            0,
        ).sum(),
    )

    hf = hh.left_join(all_members, "household_id").drop("household_id_right")
    hf = hf.left_join(agg, "household_id").drop("household_id_right")
    if per_hh is not None:
        hf = hf.left_join(per_hh, "household_id").drop("household_id_right")
    else:
        hf = hf.mutate(hh_income_fen=int_lit(None), hh_income_missing=int_lit(1))
    if rh is not None and rh is not per_hh:
        hf = hf.left_join(
            rh.select("household_id", rigid_hh_income_fen="hh_income_fen"), "household_id"
        ).drop("household_id_right")
    else:
        hf = hf.mutate(rigid_hh_income_fen=hf.hh_income_fen)
    for t in (ha, hh_enrol, ta, xs, evs):
        hf = hf.left_join(t, "household_id").drop("household_id_right")

    zero = ibis.literal(0, type="int64")
    hf = hf.mutate(
        members_total=hf.members_total.fill_null(0),
        counted_members=hf.counted_members.fill_null(0),
        income_fen=ibis.ifelse(
            (hf.income_unknown_members.fill_null(0) > 0) | (hf.hh_income_missing.fill_null(0) > 0),
            int_lit(None),
            hf.members_income_fen.fill_null(0) + hf.hh_income_fen.fill_null(0),
        ),
        rigid_income_fen=ibis.ifelse(
            hf.rigid_income_unknown_members.fill_null(0) > 0,
            int_lit(None),
            hf.members_rigid_income_fen.fill_null(0) + hf.rigid_hh_income_fen.fill_null(0),
        ),
        financial_fen=ibis.ifelse(
            hf.financial_missing.fill_null(0) > 0, int_lit(None), hf.financial_fen.fill_null(0)
        ),
        major_illness_members=hf.major_illness_members.fill_null(0),
        vehicles_ok=~any3(hf.vehicles_bad.fill_null(0), hf.vehicles_null.fill_null(0)),
        business_ok=~any3(hf.business_bad.fill_null(0), hf.business_null.fill_null(0)),
        homes=hf.homes.fill_null(0),
        unsafe_homes=hf.unsafe_homes.fill_null(0),
        disabled_members=hf.disabled_members.fill_null(0),
        unemployed_able=hf.unemployed_able.fill_null(0),
        home_area=hf.home_area.fill_null(0),
        addons_fen=ibis.ifelse(
            hf.addons_unknown.fill_null(0) > 0, int_lit(None), hf.addons_fen.fill_null(0)
        ),
        students=hf.students.fill_null(0),
        enrolled_dibao=hf.enrolled_dibao.fill_null(False),
        enrolled_near_dibao=hf.enrolled_near_dibao.fill_null(False),
        enrolled_rigid_hardship=hf.enrolled_rigid_hardship.fill_null(False),
        temporary_aid_recent=hf.temporary_aid_recent.fill_null(zero),
        rigid_spending_fen=hf.rigid_spending_fen.fill_null(zero),
        ta_spending_fen=hf.ta_spending_fen.fill_null(zero),
        medical_spending_fen=hf.medical_spending_fen.fill_null(zero),
        emergency_events=hf.emergency_events.fill_null(zero),
        home_purchases=hf.home_purchases.fill_null(zero),
        county_code=hf.division_code.substr(0, 6),
    )
    hf = hf.drop(
        "members_income_fen",
        "income_unknown_members",
        "members_rigid_income_fen",
        "rigid_income_unknown_members",
        "hh_income_fen",
        "hh_income_missing",
        "rigid_hh_income_fen",
        "financial_missing",
        "vehicles_bad",
        "vehicles_null",
        "business_bad",
        "business_null",
        "addons_unknown",
    )
    m = m.left_join(
        hf.select("household_id", hh_enrolled_dibao="enrolled_dibao", hh_counted="counted_members"),
        "household_id",
    ).drop("household_id_right")
    hf = materialize(hf)
    m = materialize(m)
    return Facts(as_of=as_of, windows=win, members=m, households=hf)
