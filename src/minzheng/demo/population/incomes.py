"""Incomes placed around the 低保 line and spread over the earners of each household.

Each household gets a monthly income per counted member (members in prison or missing are not
counted, programmes.md §0): log-normal around Chongqing's per-capita disposable income for
ordinary households (kept above ``ABOVE_LINE_MULTIPLE`` × the line), and a band below, near or
modestly above the line for the planted situations. The total is spread over the earners as wages,
business income, pensions — or, where nobody earns, as transfers from relatives.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np

from minzheng.demo.population import calibration as cal
from minzheng.demo.population import situations as sit
from minzheng.demo.population.block import (
    Block,
    month_start,
)
from minzheng.demo.population.facts import (
    INCOME,
    Facts,
    full,
)
from minzheng.demo.population.people import EMPLOYMENT, LIFE, SCHOOL
from minzheng.demo.population.sources import INDEX as SOURCE
from minzheng.engine import schema

_EARNER_WEIGHT = np.zeros(len(schema.EMPLOYMENT_STATUSES))
_EARNER_WEIGHT[EMPLOYMENT["employed"]] = 1.0
_EARNER_WEIGHT[EMPLOYMENT["self_employed"]] = 1.15
_EARNER_WEIGHT[EMPLOYMENT["farming"]] = 0.45
_EARNER_WEIGHT[EMPLOYMENT["retired"]] = 0.75
_INCOME_KIND_OF_STATUS = np.full(len(schema.EMPLOYMENT_STATUSES), INCOME["transfer"])
_INCOME_KIND_OF_STATUS[EMPLOYMENT["employed"]] = INCOME["wage"]
_INCOME_KIND_OF_STATUS[EMPLOYMENT["self_employed"]] = INCOME["business"]
_INCOME_KIND_OF_STATUS[EMPLOYMENT["farming"]] = INCOME["business"]
_INCOME_KIND_OF_STATUS[EMPLOYMENT["retired"]] = INCOME["pension"]
_INCOME_KIND_OF_STATUS[EMPLOYMENT["unemployed"]] = INCOME["wage"]
_INCOME_SOURCE_OF_STATUS = np.full(len(schema.EMPLOYMENT_STATUSES), SOURCE["civil_survey"])
for _status in ("employed", "unemployed"):
    _INCOME_SOURCE_OF_STATUS[EMPLOYMENT[_status]] = SOURCE["hrss_contributions"]
_INCOME_SOURCE_OF_STATUS[EMPLOYMENT["retired"]] = SOURCE["hrss_pension"]
_INCOME_SOURCE_OF_STATUS[EMPLOYMENT["self_employed"]] = SOURCE["market_business"]


def _normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


@cache
def truncated_lognormal_mu(mean: float, sigma: float, floor: float) -> float:
    """The log-mean that gives a log-normal cut below ``floor`` the given ``mean``."""

    def truncated_mean(mu: float) -> float:
        above = _normal_cdf((mu - math.log(floor)) / sigma)
        part = _normal_cdf((mu + sigma**2 - math.log(floor)) / sigma)
        return math.exp(mu + sigma**2 / 2) * part / above

    low, high = math.log(floor) - 3 * sigma, math.log(mean)
    for _step in range(80):
        middle = (low + high) / 2
        low, high = (middle, high) if truncated_mean(middle) < mean else (low, middle)
    return (low + high) / 2


def place_incomes(block: Block) -> None:
    """Each household's monthly income per member before any change, and its yearly total."""
    rng, m = block.rng, block.members
    n = block.n_households
    urban = block.urban
    block.standard = np.where(urban, cal.DIBAO_STANDARD_URBAN, cal.DIBAO_STANDARD_RURAL).astype(
        np.float64
    )
    counted = block.apart == 0
    block.income_members = np.bincount(m.household, weights=counted, minlength=n)

    floor = cal.ABOVE_LINE_MULTIPLE * block.standard * 12
    mu = np.where(
        urban,
        truncated_lognormal_mu(
            cal.DISPOSABLE_INCOME_URBAN,
            cal.INCOME_SIGMA_URBAN,
            cal.ABOVE_LINE_MULTIPLE * cal.DIBAO_STANDARD_URBAN * 12,
        ),
        truncated_lognormal_mu(
            cal.DISPOSABLE_INCOME_RURAL,
            cal.INCOME_SIGMA_RURAL,
            cal.ABOVE_LINE_MULTIPLE * cal.DIBAO_STANDARD_RURAL * 12,
        ),
    )
    sigma = np.where(urban, cal.INCOME_SIGMA_URBAN, cal.INCOME_SIGMA_RURAL)
    yearly = np.exp(rng.normal(mu, sigma))
    for _attempt in range(30):  # redraw the few below the floor: a truncated log-normal
        low = yearly < floor
        if not low.any():
            break
        yearly[low] = np.exp(rng.normal(mu[low], sigma[low]))
    yearly = np.maximum(yearly, floor)
    pc = yearly / 12

    def band(codes: tuple[str, ...] | frozenset[str], low: float, high: np.ndarray | float) -> None:
        where = block.in_situation(*codes)
        top = np.broadcast_to(np.asarray(high, dtype=np.float64), (n,))[where]
        pc[where] = block.standard[where] * (low + rng.random(int(where.sum())) * (top - low))

    band(sit.BELOW_LINE, 0.1, 0.85)
    band(("near_dibao",), 1.05, 1.45)
    band(sit.SHOCKS, 1.6, np.where(urban, 4.5, 2.7))
    band(sit.APART, 1.6, 3.0)
    pc[block.in_situation(*sit.TEKUN)] = 0.0
    block.income_pc = pc
    block.income_annual = pc * 12 * block.income_members


def incomes(block: Block, facts: Facts) -> None:
    """Income rows for the 12-month window: earnings, pensions, transfers and the uncounted kinds."""
    rng, m = block.rng, block.members
    n = block.n_persons
    hh = m.household
    start, end = block.window_start, block.window_end
    status = block.employment
    counted = block.apart == 0

    weight = _EARNER_WEIGHT[status] * rng.lognormal(0.0, 0.35, n) * counted
    kind = _INCOME_KIND_OF_STATUS[status].copy()
    source = _INCOME_SOURCE_OF_STATUS[status].copy()
    period_end = np.where(
        (block.death_day >= 0) & (block.death_day < end), block.death_day, end
    ).astype(np.int64)

    jobless = block.subject[block.in_situation("shock_unemployment")]
    weight[jobless] = 1.6
    period_end[jobless] = block.shock_day[hh[jobless]] - 1
    rose = block.in_situation("exit_income_rose")
    weight[block.subject[rose]] = 0.0

    total_weight = np.bincount(hh, weights=weight, minlength=block.n_households)
    nobody = np.flatnonzero((total_weight == 0) & (block.income_annual > 0))
    heads = m.first[nobody]
    weight[heads] = 1.0
    kind[heads] = INCOME["transfer"]
    source[heads] = SOURCE["civil_survey"]
    total_weight[nobody] = 1.0
    share = np.divide(weight, total_weight[hh], out=np.zeros(n), where=total_weight[hh] > 0)
    amount = share * block.income_annual[hh]
    earners = np.flatnonzero(amount >= 1.0)
    facts.incomes.add(
        person=earners,
        kind=kind[earners],
        amount=amount[earners],
        start=full(len(earners), start),
        end=period_end[earners],
        source=source[earners],
    )

    # exit: a job started 3–9 months ago lifts the household clearly above the line
    households = np.flatnonzero(rose)
    months = rng.integers(3, 10, len(households))
    needed = (1.35 * block.standard[households] - block.income_pc[households]) * 12
    needed *= block.income_members[households] / months
    monthly = np.maximum(rng.uniform(3000, 6500, len(households)), needed)
    job_start = np.array([month_start(block.as_of_day, int(k)) for k in months], dtype=np.int64)
    facts.incomes.add(
        person=block.subject[households],
        kind=full(len(households), INCOME["wage"]),
        amount=monthly * months,
        start=job_start,
        end=full(len(households), end),
        source=full(len(households), SOURCE["hrss_contributions"]),
    )
    _uncounted_incomes(block, facts, period_end)


def _uncounted_incomes(block: Block, facts: Facts, period_end: np.ndarray) -> None:
    rng, m = block.rng, block.members
    n = block.n_persons
    start = block.window_start
    alive_part = (block.apart == 0) & (block.life_status != LIFE["missing"])
    old = (m.age >= 60) & alive_part
    urban = block.urban[m.household]

    basic = np.flatnonzero(old & (block.employment != EMPLOYMENT["retired"]))
    months = np.clip((period_end[basic] - start) / 30.44, 0, 12).round()
    rows = [
        (
            basic,
            INCOME["basic_pension"],
            cal.RESIDENTS_BASIC_PENSION_MONTHLY * months,
            "hrss_pension",
        ),
    ]
    reward = np.flatnonzero(old & ~urban & (rng.random(n) < 0.04))
    rows.append(
        (reward, INCOME["family_planning_reward"], full(len(reward), 960.0), "civil_survey")
    )
    veteran = np.flatnonzero(old & m.male & (m.age >= 70) & (rng.random(n) < 0.01))
    rows.append(
        (veteran, INCOME["special_care"], rng.uniform(6000, 20000, len(veteran)), "civil_survey")
    )
    higher = np.isin(block.school, [SCHOOL["college"], SCHOOL["bachelor"], SCHOOL["postgraduate"]])
    scholar = np.flatnonzero(higher & (rng.random(n) < 0.2))
    rows.append(
        (
            scholar,
            INCOME["scholarship"],
            rng.uniform(2000, 6000, len(scholar)),
            "education_students",
        )
    )
    rich = np.flatnonzero(
        (block.situation == 0)
        & (
            block.income_pc * 12
            > 1.2 * np.where(block.urban, cal.DISPOSABLE_INCOME_URBAN, cal.DISPOSABLE_INCOME_RURAL)
        )
        & (rng.random(block.n_households) < 0.3)
    )
    rows.append(
        (
            m.first[rich],
            INCOME["property"],
            block.income_annual[rich] * rng.uniform(0.05, 0.2, len(rich)),
            "civil_survey",
        )
    )
    for people, kind, amount, source in rows:
        keep = amount >= 1.0
        people, amount = people[keep], amount[keep]
        facts.incomes.add(
            person=people,
            kind=full(len(people), kind),
            amount=amount,
            start=full(len(people), start),
            end=period_end[people],
            source=full(len(people), SOURCE[source]),
        )
