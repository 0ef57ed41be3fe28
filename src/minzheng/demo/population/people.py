"""Who the people are: health, disability, self-care, school, work — then what the planted
situations change about them (a death, a new disability, a lost job, a spouse in prison)."""

from __future__ import annotations

import numpy as np

from minzheng.demo.population import calibration as cal
from minzheng.demo.population import situations as sit
from minzheng.demo.population.block import RECENT_DAYS, Block, band_rate, categorical
from minzheng.engine import schema

SCHOOL = {s: i for i, s in enumerate(schema.SCHOOL_STATUSES)}
EMPLOYMENT = {s: i for i, s in enumerate(schema.EMPLOYMENT_STATUSES)}
WORK = {s: i for i, s in enumerate(schema.WORK_CAPACITIES)}
LIFE = {s: i for i, s in enumerate(schema.LIFE_STATUSES)}
APART = {s: i for i, s in enumerate(schema.APART_REASONS)}
DISABILITY_KIND = {s: i for i, s in enumerate(schema.DISABILITY_KINDS)}
INDUSTRIES = (*cal.INDUSTRIES, "A")  # "A" (agriculture) for farmers
FARMING_INDUSTRY = len(INDUSTRIES) - 1
_WORK_STATUSES = ("employed", "self_employed", "farming", "unemployed", "not_working")


def draw_attributes(block: Block) -> None:
    """Birth dates and the attributes every person has before any situation is planted."""
    rng, m = block.rng, block.members
    n = block.n_persons
    urban = block.urban[m.household]
    age = m.age
    block.birth_day = (block.as_of_day - np.floor(age * 365.2425)).astype(np.int64)
    whole = np.floor(age)

    # Certificates and diagnoses come after the first year of life (their dates must be past).
    disabled = (rng.random(n) < band_rate(age, cal.DISABILITY_BY_AGE)) & (age >= 1)
    grade = categorical(rng, cal.DISABILITY_GRADE_SHARES, n) + 1
    block.disability_grade = np.where(disabled, grade, 0).astype(np.int8)
    block.disability_kind = np.where(
        disabled, categorical(rng, cal.DISABILITY_KIND_SHARES, n), -1
    ).astype(np.int8)

    severe = np.isin(block.disability_grade, (1, 2))
    loses_care = rng.random(n) < np.maximum(
        band_rate(age, cal.SELF_CARE_LOSS_BY_AGE), np.where(severe, 0.5, 0.0)
    )
    items = categorical(rng, cal.SELF_CARE_ITEMS_SHARES, n) + 1
    block.self_care = np.where(loses_care, items, 0).astype(np.int8)
    block.major_illness = (rng.random(n) < band_rate(age, cal.MAJOR_ILLNESS_BY_AGE)) & (age >= 1)
    mind = np.isin(
        block.disability_kind, (DISABILITY_KIND["intellectual"], DISABILITY_KIND["mental"])
    )
    block.lacks_capacity = (mind & severe) | (
        (block.self_care >= 4) & (age >= 80) & (rng.random(n) < 0.3)
    )

    block.school = _school(rng, whole, urban)
    block.employment = _employment(rng, whole, urban, block.school, severe)
    block.industry = np.where(
        np.isin(block.employment, (EMPLOYMENT["employed"], EMPLOYMENT["self_employed"])),
        categorical(rng, cal.INDUSTRY_SHARES, n),
        np.where(block.employment == EMPLOYMENT["farming"], FARMING_INDUSTRY, -1),
    ).astype(np.int8)
    block.life_status = np.zeros(n, dtype=np.int8)
    block.death_day = np.full(n, -1, dtype=np.int64)
    block.apart = np.zeros(n, dtype=np.int8)


def _school(rng: np.random.Generator, whole: np.ndarray, urban: np.ndarray) -> np.ndarray:
    n = len(whole)
    u = rng.random(n)
    status = np.full(n, SCHOOL["none"], dtype=np.int8)
    status[(whole >= 3) & (whole <= 5) & (u < 0.88)] = SCHOOL["preschool"]
    status[(whole >= 6) & (whole <= 11)] = SCHOOL["primary"]
    status[(whole >= 12) & (whole <= 14)] = SCHOOL["junior"]
    teen = (whole >= 15) & (whole <= 17)
    status[teen & (u < 0.55)] = SCHOOL["senior"]
    status[teen & (u >= 0.55) & (u < 0.93)] = SCHOOL["vocational"]
    young = (whole >= 18) & (whole <= 21)
    bachelor = np.where(urban, 0.36, 0.2)
    status[young & (u < 0.22)] = SCHOOL["college"]
    status[young & (u >= 0.22) & (u < 0.22 + bachelor)] = SCHOOL["bachelor"]
    graduate = (whole >= 22) & (whole <= 24)
    status[graduate & (u < 0.08)] = SCHOOL["bachelor"]
    status[graduate & (u >= 0.08) & (u < np.where(urban, 0.15, 0.1))] = SCHOOL["postgraduate"]
    return status


def _employment(
    rng: np.random.Generator,
    whole: np.ndarray,
    urban: np.ndarray,
    school: np.ndarray,
    severe: np.ndarray,
) -> np.ndarray:
    n = len(whole)
    in_school = school != SCHOOL["none"]
    urban_pick = categorical(rng, cal.WORK_SHARES_URBAN, n)
    rural_pick = categorical(rng, cal.WORK_SHARES_RURAL, n)
    codes = np.array([EMPLOYMENT[s] for s in _WORK_STATUSES], dtype=np.int8)
    working_age = codes[np.where(urban, urban_pick, rural_pick)]
    u = rng.random(n)
    old_urban = np.where(
        u < cal.URBAN_RETIRED_SHARE_60, EMPLOYMENT["retired"], EMPLOYMENT["not_working"]
    )
    old_rural = np.where(
        (whole < 75) & (u < cal.RURAL_FARMING_SHARE_60_74),
        EMPLOYMENT["farming"],
        np.where(u > 0.9, EMPLOYMENT["retired"], EMPLOYMENT["not_working"]),
    )
    status = np.select(
        [in_school, whole < 16, whole < 60],
        [EMPLOYMENT["student"], EMPLOYMENT["not_working"], working_age],
        np.where(urban, old_urban, old_rural),
    ).astype(np.int8)
    status[severe & (whole >= 16) & ~in_school] = EMPLOYMENT["not_working"]
    return status


def plant(block: Block) -> None:
    """Change the people of households with a planted situation, and note who and when."""
    rng, m = block.rng, block.members
    n_households = block.n_households
    first = m.first
    block.subject = np.full(n_households, -1, dtype=np.int64)
    block.shock_day = np.full(n_households, -1, dtype=np.int64)

    def households(*codes: str) -> np.ndarray:
        return np.flatnonzero(block.in_situation(*codes))

    # the head: exits, unemployment, 特困
    heads = households(
        "exit_income_rose",
        "exit_vehicle",
        "exit_business",
        "exit_death_sole_member",
        "shock_unemployment",
        *sit.TEKUN,
    )
    block.subject[heads] = first[heads]
    # the second member: deaths, prison, missing
    seconds = households("enrolled_member_died", *sit.APART)
    block.subject[seconds] = first[seconds] + 1
    # anyone: hospitalisation and disability
    anyone = households("shock_hospitalisation", "shock_disability")
    block.subject[anyone] = first[anyone] + rng.integers(0, block.size[anyone])

    recent = households(*sit.SHOCKS, "exit_death_sole_member", "enrolled_member_died")
    block.shock_day[recent] = block.days_ago(3, RECENT_DAYS - 2, len(recent))

    deaths = households("exit_death_sole_member", "enrolled_member_died")
    who = block.subject[deaths]
    block.life_status[who] = LIFE["deceased"]
    block.death_day[who] = block.shock_day[deaths]

    prison = households("member_in_prison")
    block.apart[block.subject[prison]] = APART["prison"]
    missing = households("member_missing")
    block.apart[block.subject[missing]] = APART["missing"]
    block.life_status[block.subject[missing]] = LIFE["missing"]
    block.employment[block.subject[np.r_[prison, missing]]] = EMPLOYMENT["not_working"]

    jobless = block.subject[households("shock_unemployment")]
    block.employment[jobless] = EMPLOYMENT["unemployed"]
    block.industry[jobless] = np.where(
        block.industry[jobless] >= 0,
        block.industry[jobless],
        categorical(rng, cal.INDUSTRY_SHARES, len(jobless)),
    )
    new_job = block.subject[households("exit_income_rose")]
    block.employment[new_job] = EMPLOYMENT["employed"]
    block.industry[new_job] = categorical(rng, cal.INDUSTRY_SHARES, len(new_job))
    owner = block.subject[households("exit_business")]
    block.employment[owner] = EMPLOYMENT["self_employed"]
    block.industry[owner] = categorical(rng, cal.INDUSTRY_SHARES, len(owner))

    newly = households("shock_disability")
    disabled = block.subject[newly]
    block.subject_was_disabled = np.zeros(n_households, dtype=bool)
    block.subject_was_disabled[newly] = block.disability_grade[disabled] > 0
    block.disability_grade[disabled] = rng.integers(1, 3, len(disabled))
    block.disability_kind[disabled] = categorical(rng, cal.DISABILITY_KIND_SHARES, len(disabled))
    adult = disabled[m.age[disabled] >= 16]
    block.employment[adult[block.school[adult] == SCHOOL["none"]]] = EMPLOYMENT["not_working"]
    ill = block.subject[households("shock_hospitalisation")]
    block.major_illness[ill[rng.random(len(ill)) < 0.5]] = True

    # Poor households draw no employee pension, and 特困 people have no income at all.
    poor = block.person_in_situation(*sit.BELOW_LINE, "near_dibao", *sit.TEKUN)
    block.employment[poor & (block.employment == EMPLOYMENT["retired"])] = EMPLOYMENT["not_working"]
    tekun = block.subject[households(*sit.TEKUN)]
    block.employment[tekun] = EMPLOYMENT["not_working"]
    block.industry[tekun] = -1

    _background_deaths(block)
    block.work_capacity = _work_capacity(block)
    block.work_capacity[tekun] = WORK["none"]


def _background_deaths(block: Block) -> None:
    """Some old members of ordinary households died 4–12 months ago: still on record.

    Only members without an income of their own: the death of an earner is a planted situation
    (``enrolled_member_died``), not background noise that would push a household below the line.
    """
    m = block.members
    earner = np.isin(
        block.employment,
        [EMPLOYMENT[s] for s in ("employed", "self_employed", "farming", "retired")],
    )
    candidates = (
        (block.situation[m.household] == 0)
        & (m.position > 0)
        & (m.age >= 75)
        & ~earner
        & (block.rng.random(block.n_persons) < 0.03)
    )
    who = np.flatnonzero(candidates)
    block.life_status[who] = LIFE["deceased"]
    block.death_day[who] = block.days_ago(121, 360, len(who))


def _work_capacity(block: Block) -> np.ndarray:
    age = block.members.age
    severe = np.isin(block.disability_grade, (1, 2))
    moderate = np.isin(block.disability_grade, (3, 4))
    none = (age < 16) | (age >= 75) | severe | (block.self_care >= 4)
    partial = (age >= 60) | moderate | block.major_illness | (block.self_care > 0)
    return np.select([none, partial], [WORK["none"], WORK["partial"]], WORK["full"]).astype(np.int8)
