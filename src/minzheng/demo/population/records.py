"""Life events and programme enrolments.

Background events (old diagnoses, certificates, marriages, disasters …) are dated more than
``BACKGROUND_MIN_AGE_DAYS`` before the as-of date, so every event in the last 90 days — births
aside — belongs to a planted situation and the "recent shocks" are exactly the planted ones.
"""

from __future__ import annotations

import numpy as np

from minzheng.demo.population import calibration as cal
from minzheng.demo.population import situations as sit
from minzheng.demo.population.block import BACKGROUND_MIN_AGE_DAYS, Block
from minzheng.demo.population.facts import EVENT, INCOME, Facts, full
from minzheng.demo.population.households import TEMPLATES
from minzheng.demo.population.people import EMPLOYMENT, LIFE, SCHOOL
from minzheng.demo.population.sources import INDEX as SOURCE
from minzheng.demo.population.spending import term_starts
from minzheng.engine import schema

PROGRAMME = {p: i for i, p in enumerate(schema.PROGRAMMES)}
DISASTERS = ("洪涝灾害", "山体滑坡", "房屋火灾", "风雹灾害")
GRADE_WORDS = ("", "一级", "二级", "三级", "四级")
# Detail texts of events, by index: "" and the four disasters, then the four grades.
DETAILS: tuple[str, ...] = ("", *DISASTERS, *(f"残疾等级：{g}" for g in GRADE_WORDS[1:]))


def _event(
    facts: Facts,
    person: np.ndarray,
    kind: str,
    day: np.ndarray,
    source: str,
    *,
    amount: np.ndarray | None = None,
    detail: np.ndarray | None = None,
) -> None:
    columns = {
        "person": person,
        "kind": full(len(person), EVENT[kind]),
        "date": day,
        "source": full(len(person), SOURCE[source]),
    }
    if amount is not None:
        columns["amount"] = amount
    if detail is not None:
        columns["detail"] = detail
    facts.events.add(**columns)


def events(block: Block, facts: Facts) -> None:
    """Births, deaths, marriages, certificates, diagnoses, job losses, school entries, disasters."""
    rng, m = block.rng, block.members
    n, nh = block.n_persons, block.n_households
    as_of = block.as_of_day
    is_subject = np.zeros(n, dtype=bool)
    is_subject[block.subject[block.subject >= 0]] = True

    babies = np.flatnonzero(m.age < 1)
    _event(facts, babies, "birth", block.birth_day[babies], "police_hukou")
    dead = np.flatnonzero(block.life_status == LIFE["deceased"])
    _event(facts, dead, "death", block.death_day[dead], "police_deaths")

    # Marriages (and divorces for single parents) behind households formed in the last 3 years.
    oldest = as_of - 3 * 365
    newest = as_of - BACKGROUND_MIN_AGE_DAYS
    formed = (block.formed_day >= oldest) & (block.formed_day <= newest)
    has_spouse = np.zeros(nh, dtype=bool)
    spouse_rows = m.relation == schema.RELATIONS.index("spouse")
    has_spouse[m.household[spouse_rows]] = True
    married = np.flatnonzero(formed & has_spouse)
    _event(facts, m.first[married], "marriage", block.formed_day[married], "civil_marriage")
    single_parent = block.template == _template_index("single_parent")
    divorced = np.flatnonzero(formed & single_parent & (rng.random(nh) < 0.4))
    _event(facts, m.first[divorced], "divorce", block.formed_day[divorced], "civil_marriage")

    # Disability certificates: old ones for the background, recent ones for the planted shock.
    disabled = np.flatnonzero((block.disability_grade > 0) & ~is_subject)
    earliest = np.maximum(block.birth_day[disabled] + 180, as_of - 7300)
    latest = np.maximum(earliest, as_of - BACKGROUND_MIN_AGE_DAYS)
    day = (latest - rng.random(len(disabled)) * (latest - earliest)).astype(np.int64)
    grade_detail = 4 + block.disability_grade.astype(np.int64)
    _event(
        facts,
        disabled,
        "disability_certified",
        day,
        "disability_certificates",
        detail=grade_detail[disabled],
    )
    shocked = np.flatnonzero(block.in_situation("shock_disability"))
    for kind, which in (
        ("disability_certified", shocked[~block.subject_was_disabled[shocked]]),
        ("disability_changed", shocked[block.subject_was_disabled[shocked]]),
    ):
        who = block.subject[which]
        _event(
            facts,
            who,
            kind,
            block.shock_day[which],
            "disability_certificates",
            detail=grade_detail[who],
        )

    # Major illness diagnoses: old ones, and new ones with a planted hospital stay.
    ill = np.flatnonzero(block.major_illness & ~is_subject)
    earliest = np.maximum(block.birth_day[ill] + 30, as_of - 2000)
    latest = np.maximum(earliest, as_of - BACKGROUND_MIN_AGE_DAYS)
    day = (latest - rng.random(len(ill)) * (latest - earliest)).astype(np.int64)
    _event(facts, ill, "major_illness", day, "healthcare_medical")
    hospital = np.flatnonzero(block.in_situation("shock_hospitalisation"))
    newly_ill = hospital[block.major_illness[block.subject[hospital]]]
    _event(
        facts,
        block.subject[newly_ill],
        "major_illness",
        block.shock_day[newly_ill],
        "healthcare_medical",
    )

    # Unemployment: the planted job losses, and older ones of the background unemployed.
    lost = np.flatnonzero(block.in_situation("shock_unemployment"))
    _event(facts, block.subject[lost], "unemployment", block.shock_day[lost], "hrss_unemployment")
    jobless = np.flatnonzero(
        (block.employment == EMPLOYMENT["unemployed"]) & ~is_subject & (rng.random(n) < 0.5)
    )
    _event(
        facts,
        jobless,
        "unemployment",
        block.days_ago(BACKGROUND_MIN_AGE_DAYS, 700, len(jobless)),
        "hrss_unemployment",
    )

    autumn, _spring = term_starts(as_of)
    whole = np.floor(m.age)
    entering = (
        ((whole == 6) & (block.school == SCHOOL["primary"]))
        | ((whole == 12) & (block.school == SCHOOL["junior"]))
        | ((whole == 15) & np.isin(block.school, [SCHOOL["senior"], SCHOOL["vocational"]]))
        | ((whole == 18) & np.isin(block.school, [SCHOOL["college"], SCHOOL["bachelor"]]))
    )
    if autumn <= as_of - BACKGROUND_MIN_AGE_DAYS:
        pupils = np.flatnonzero(entering & (block.death_day < 0))
        _event(facts, pupils, "school_enrolment", full(len(pupils), autumn), "education_students")

    ordinary = block.situation == 0
    struck = np.flatnonzero(ordinary & ~block.urban & (rng.random(nh) < 0.003))
    _event(
        facts,
        m.first[struck],
        "disaster",
        block.days_ago(BACKGROUND_MIN_AGE_DAYS, 364, len(struck)),
        "civil_survey",
        amount=rng.uniform(5000, 80000, len(struck)),
        detail=rng.integers(1, 1 + len(DISASTERS), len(struck)),
    )
    hurt = np.flatnonzero(ordinary[m.household] & (block.death_day < 0) & (rng.random(n) < 0.002))
    _event(
        facts,
        hurt,
        "accident",
        block.days_ago(BACKGROUND_MIN_AGE_DAYS, 364, len(hurt)),
        "civil_survey",
    )


def _template_index(name: str) -> int:
    return next(i for i, t in enumerate(TEMPLATES) if t.name == name)


def enrolments(block: Block, facts: Facts) -> None:
    """Current 低保, 低保边缘 and 特困 enrolments, some closed ones, and the payments made."""
    rng, m = block.rng, block.members
    nh = block.n_households
    window_start, window_end = block.window_start, block.window_end

    dibao = np.flatnonzero(block.in_situation(*sit.DIBAO_ENROLLED))
    gap = np.maximum(block.standard[dibao] - block.income_pc[dibao], 15.0)
    monthly = np.round(gap * block.income_members[dibao])
    facts.enrolments.add(
        household=dibao,
        programme=full(len(dibao), PROGRAMME["dibao"]),
        start=block.days_ago(400, 2800, len(dibao)),
        monthly=monthly,
        source=full(len(dibao), SOURCE["civil_enrolments"]),
    )
    _payments(facts, m.first[dibao], monthly * 12, window_start, window_end)

    near = np.flatnonzero(block.in_situation("near_dibao") & (rng.random(nh) < 0.35))
    facts.enrolments.add(
        household=near,
        programme=full(len(near), PROGRAMME["near_dibao"]),
        start=block.days_ago(60, 900, len(near)),
        source=full(len(near), SOURCE["civil_enrolments"]),
    )

    tekun = np.flatnonzero(block.in_situation("tekun_enrolled"))
    facts.enrolments.add(
        household=tekun,
        person=block.subject[tekun],
        programme=full(len(tekun), PROGRAMME["tekun"]),
        start=block.days_ago(365, 3650, len(tekun)),
        monthly=full(len(tekun), float(cal.TEKUN_STANDARD)),
        source=full(len(tekun), SOURCE["civil_enrolments"]),
    )
    _payments(
        facts,
        block.subject[tekun],
        full(len(tekun), cal.TEKUN_STANDARD * 12.0),
        window_start,
        window_end,
    )

    # Ordinary households that were on 低保 years ago and left it.
    former = np.flatnonzero((block.situation == 0) & (rng.random(nh) < 0.005))
    start = block.days_ago(2200, 3600, len(former))
    end = block.days_ago(400, 2000, len(former))
    facts.enrolments.add(
        household=former,
        programme=full(len(former), PROGRAMME["dibao"]),
        start=start,
        end=np.maximum(end, start + 90),
        monthly=np.round(rng.uniform(150, 700, len(former)) * block.income_members[former]),
        source=full(len(former), SOURCE["civil_enrolments"]),
    )


def _payments(facts: Facts, person: np.ndarray, amount: np.ndarray, start: int, end: int) -> None:
    """Assistance paid over the income window: recorded as income, which is not counted."""
    facts.incomes.add(
        person=person,
        kind=full(len(person), INCOME["assistance_payment"]),
        amount=amount,
        start=full(len(person), start),
        end=full(len(person), end),
        source=full(len(person), SOURCE["civil_enrolments"]),
    )
