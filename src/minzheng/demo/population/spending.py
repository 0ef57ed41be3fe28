"""Rigid spending over the last year: medical out-of-pocket, education and rehabilitation."""

from __future__ import annotations

import numpy as np

from minzheng.demo.population import calibration as cal
from minzheng.demo.population.block import (
    BACKGROUND_MIN_AGE_DAYS,
    Block,
    band_rate,
)
from minzheng.demo.population.facts import (
    EVENT,
    EXPENDITURE,
    Facts,
    full,
)
from minzheng.demo.population.people import SCHOOL
from minzheng.demo.population.sources import INDEX as SOURCE
from minzheng.engine import schema


def expenditures(block: Block, facts: Facts) -> None:
    """Medical out-of-pocket, education and rehabilitation spending over the last year."""
    rng, m = block.rng, block.members
    n = block.n_persons
    present = (block.death_day < 0) & (block.apart == 0)
    age = m.age

    bands = cal.MEDICAL_BY_AGE
    share = band_rate(age, tuple((b[0], b[1]) for b in bands))
    median = band_rate(age, tuple((b[0], float(b[2])) for b in bands))
    ill = block.major_illness
    spends = present & ((rng.random(n) < share) | ill)
    people = np.flatnonzero(spends)
    people = np.r_[people, np.flatnonzero(spends & ill)]  # a second bill for the seriously ill
    amount = median[people] * np.where(ill[people], 3.0, 1.0)
    amount = np.clip(amount * rng.lognormal(0.0, cal.MEDICAL_SIGMA, len(people)), 20, 12000)
    _spend(
        facts, people, "medical", amount, block.days_ago(1, 364, len(people)), "healthcare_medical"
    )

    # Hospital stays of the past year that are not recent (background): cost and out of pocket.
    stay = present & (rng.random(n) < np.where(age >= 60, 0.04, 0.012))
    stay &= block.subject[m.household] != np.arange(n)
    people = np.flatnonzero(stay)
    cost = np.clip(rng.lognormal(np.log(8000), 0.6, len(people)), 2000, 40000)
    day = block.days_ago(BACKGROUND_MIN_AGE_DAYS, 364, len(people))
    _spend(
        facts,
        people,
        "medical",
        cost * rng.uniform(0.25, 0.45, len(people)),
        day,
        "healthcare_medical",
    )
    facts.events.add(
        person=people,
        kind=full(len(people), EVENT["hospitalisation"]),
        date=day,
        amount=cost,
        source=full(len(people), SOURCE["healthcare_medical"]),
    )

    # The planted shock: a hospital stay in the last 90 days with a large bill.
    shocked = np.flatnonzero(block.in_situation("shock_hospitalisation"))
    people = block.subject[shocked]
    out_of_pocket = rng.uniform(20000, 120000, len(people))
    cost = out_of_pocket / rng.uniform(0.35, 0.6, len(people))
    admitted = block.shock_day[shocked]
    settled = np.minimum(admitted + rng.integers(0, 9, len(people)), block.as_of_day - 1)
    _spend(facts, people, "medical", out_of_pocket, settled, "healthcare_medical")
    facts.events.add(
        person=people,
        kind=full(len(people), EVENT["hospitalisation"]),
        date=admitted,
        amount=cost,
        source=full(len(people), SOURCE["healthcare_medical"]),
    )

    _education(block, facts, present)
    rehab = np.flatnonzero(
        present & (block.disability_grade > 0) & (rng.random(n) < cal.REHABILITATION_SHARE)
    )
    _spend(
        facts,
        rehab,
        "rehabilitation",
        rng.uniform(1000, 15000, len(rehab)),
        block.days_ago(1, 364, len(rehab)),
        "disability_certificates",
    )


def _spend(
    facts: Facts, person: np.ndarray, kind: str, amount: np.ndarray, day: np.ndarray, source: str
) -> None:
    facts.expenditures.add(
        person=person,
        kind=full(len(person), EXPENDITURE[kind]),
        amount=amount,
        date=day,
        source=full(len(person), SOURCE[source]),
    )


def _education(block: Block, facts: Facts, present: np.ndarray) -> None:
    rng = block.rng
    cost = np.zeros((len(schema.SCHOOL_STATUSES), 2))
    for status, (urban_cost, rural_cost) in cal.EDUCATION_COST.items():
        cost[SCHOOL[status]] = (urban_cost, rural_cost)
    students = np.flatnonzero(present & (block.school != SCHOOL["none"]))
    area = np.where(block.urban[block.members.household[students]], 0, 1)
    yearly = cost[block.school[students], area] * rng.lognormal(0.0, 0.25, len(students))
    autumn, spring = term_starts(block.as_of_day)
    for day in (autumn, spring):
        _spend(
            facts,
            students,
            "education",
            yearly / 2,
            full(len(students), day),
            "education_students",
        )


def term_starts(as_of_day: int) -> tuple[int, int]:
    """The last 1 September and the last 1 March before the as-of date."""
    as_of = np.datetime64(as_of_day, "D")
    year = as_of.astype("datetime64[Y]").astype(np.int64) + 1970

    def last(month: int) -> int:
        this_year = np.datetime64(f"{year}-{month:02d}-01")
        day = this_year if this_year < as_of else np.datetime64(f"{year - 1}-{month:02d}-01")
        return int(day.astype(np.int64))

    return last(9), last(3)
