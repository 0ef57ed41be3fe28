"""Money: incomes placed around the 低保 line, assets, and rigid spending.

Each household gets a monthly income per counted member (members in prison or missing are not
counted, programmes.md §0): log-normal around Chongqing's per-capita disposable income for
ordinary households (kept above ``ABOVE_LINE_MULTIPLE`` × the line), and a band below, near or
modestly above the line for the planted situations. The total is spread over the earners as wages,
business income, pensions — or, where nobody earns, as transfers from relatives.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from minzheng.demo.population import calibration as cal
from minzheng.demo.population import situations as sit
from minzheng.demo.population.block import (
    BACKGROUND_MIN_AGE_DAYS,
    Block,
    FactRows,
    band_rate,
    categorical,
    month_start,
)
from minzheng.demo.population.people import EMPLOYMENT, LIFE, SCHOOL
from minzheng.demo.population.sources import INDEX as SOURCE
from minzheng.engine import schema

INCOME = {k: i for i, k in enumerate(schema.INCOME_KINDS)}
ASSET_KINDS: tuple[str, ...] = (
    *schema.FINANCIAL_ASSET_KINDS,
    *schema.VEHICLE_KINDS,
    "home",
    "business",
)
ASSET = {k: i for i, k in enumerate(ASSET_KINDS)}
HOUSING_GRADES = ("", "C", "D")
BUSINESS_ROLE = {r: i for i, r in enumerate(schema.BUSINESS_ROLES)}
EXPENDITURE = {k: i for i, k in enumerate(schema.EXPENDITURE_KINDS)}
EVENT = {k: i for i, k in enumerate(schema.EVENT_KINDS)}

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


@dataclass
class Facts:
    """The fact rows of a block, by table."""

    incomes: FactRows = field(default_factory=FactRows)
    assets: FactRows = field(default_factory=FactRows)
    expenditures: FactRows = field(default_factory=FactRows)
    events: FactRows = field(default_factory=FactRows)
    enrolments: FactRows = field(default_factory=FactRows)


def _full(n: int, value: float | int) -> np.ndarray:
    return np.full(n, value)


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
        start=_full(len(earners), start),
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
        kind=_full(len(households), INCOME["wage"]),
        amount=monthly * months,
        start=job_start,
        end=_full(len(households), end),
        source=_full(len(households), SOURCE["hrss_contributions"]),
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
        (reward, INCOME["family_planning_reward"], _full(len(reward), 960.0), "civil_survey")
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
            kind=_full(len(people), kind),
            amount=amount,
            start=_full(len(people), start),
            end=period_end[people],
            source=_full(len(people), SOURCE[source]),
        )


def assets(block: Block, facts: Facts) -> None:
    """Deposits and other financial assets, vehicles, homes and business roles."""
    rng, m = block.rng, block.members
    nh = block.n_households
    urban = block.urban
    poor = block.in_situation(*sit.BELOW_LINE, "near_dibao", *sit.TEKUN)
    rich_in_deposits = block.in_situation("low_income_high_assets")
    ordinary = ~poor
    members = np.maximum(block.income_members, 1)
    head = m.first
    recent_statement = block.days_ago(1, 30, nh)

    deposit = block.income_annual * rng.lognormal(
        np.log(cal.DEPOSIT_MULTIPLE_MEDIAN), cal.DEPOSIT_MULTIPLE_SIGMA, nh
    )
    deposit = np.maximum(deposit, 500.0)
    poor_ceiling = np.where(block.in_situation("near_dibao"), 15.0, 10.0)
    poor_deposit = members * block.standard * rng.random(nh) * poor_ceiling
    poor_deposit[rng.random(nh) < 0.3] = 0.0
    deposit = np.where(poor, poor_deposit, deposit)
    deposit = np.where(
        rich_in_deposits, members * block.standard * rng.uniform(30, 80, nh), deposit
    )
    owners = np.flatnonzero(deposit >= 1.0)
    _asset(
        facts, head[owners], "deposit", deposit[owners], recent_statement[owners], "bank_deposits"
    )

    securities = np.flatnonzero(ordinary & urban & (rng.random(nh) < cal.SECURITIES_SHARE_URBAN))
    value = block.income_annual[securities] * rng.lognormal(np.log(0.5), 1.0, len(securities))
    kinds = np.where(rng.random(len(securities)) < 0.5, ASSET["securities"], ASSET["fund"])
    facts.assets.add(
        person=head[securities],
        kind=kinds,
        value=np.maximum(value, 1000.0),
        as_of=recent_statement[securities],
        source=_full(len(securities), SOURCE["bank_deposits"]),
    )
    insured = np.flatnonzero(ordinary & (rng.random(nh) < cal.INSURANCE_SHARE))
    _asset(
        facts,
        head[insured],
        "commercial_insurance",
        rng.uniform(5000, 80000, len(insured)),
        recent_statement[insured],
        "bank_deposits",
    )
    _vehicles(block, facts, ordinary)
    _homes(block, facts, poor)
    _businesses(block, facts, ordinary)


def _asset(
    facts: Facts,
    person: np.ndarray,
    kind: str,
    value: np.ndarray,
    as_of: np.ndarray,
    source: str,
) -> None:
    facts.assets.add(
        person=person,
        kind=_full(len(person), ASSET[kind]),
        value=value,
        as_of=as_of,
        source=_full(len(person), SOURCE[source]),
    )


def _vehicles(block: Block, facts: Facts, ordinary: np.ndarray) -> None:
    rng, m = block.rng, block.members
    nh = block.n_households
    urban = block.urban
    head = m.first
    car_share = np.where(urban, cal.CAR_SHARE_URBAN, cal.CAR_SHARE_RURAL)
    cars = np.flatnonzero(ordinary & (rng.random(nh) < car_share))
    cars = np.r_[cars, cars[rng.random(len(cars)) < 0.12]]  # a second car
    value = np.clip(rng.lognormal(np.log(cal.CAR_VALUE_MEDIAN), 0.6, len(cars)), 15000, 800000)
    _asset(facts, head[cars], "car", value, block.days_ago(200, 4000, len(cars)), "vehicles")

    bought = np.flatnonzero(block.in_situation("exit_vehicle"))
    _asset(
        facts,
        block.subject[bought],
        "car",
        rng.uniform(40000, 150000, len(bought)),
        block.days_ago(10, 175, len(bought)),
        "vehicles",
    )
    moto_share = np.where(
        urban,
        np.where(ordinary, cal.MOTORCYCLE_SHARE_URBAN, 0.03),
        np.where(ordinary, cal.MOTORCYCLE_SHARE_RURAL, 0.2),
    )
    motorcycles = np.flatnonzero(rng.random(nh) < moto_share)
    _asset(
        facts,
        head[motorcycles],
        "motorcycle",
        rng.uniform(2000, 8000, len(motorcycles)),
        block.days_ago(200, 4000, len(motorcycles)),
        "vehicles",
    )
    machinery = np.flatnonzero(
        ordinary & ~urban & (rng.random(nh) < cal.FARM_MACHINERY_SHARE_RURAL)
    )
    _asset(
        facts,
        head[machinery],
        "large_farm_machinery",
        rng.uniform(30000, 200000, len(machinery)),
        block.days_ago(200, 4000, len(machinery)),
        "vehicles",
    )
    physical = (block.disability_kind == 3) & np.isin(block.disability_grade, (1, 2, 3))
    chair = np.flatnonzero(physical & (rng.random(block.n_persons) < 0.1))
    _asset(
        facts,
        chair,
        "disability_vehicle",
        rng.uniform(3000, 15000, len(chair)),
        block.days_ago(200, 3000, len(chair)),
        "vehicles",
    )


def _homes(block: Block, facts: Facts, poor: np.ndarray) -> None:
    rng, m = block.rng, block.members
    nh = block.n_households
    urban = block.urban
    count = np.where(
        urban,
        categorical(rng, cal.HOMES_URBAN, nh),
        categorical(rng, cal.HOMES_RURAL, nh),
    )
    poor_count = np.where(urban, rng.random(nh) < 0.65, rng.random(nh) < 0.97).astype(np.int64)
    count = np.where(poor, poor_count, count)
    owner_household = np.repeat(np.arange(nh), count)
    k = len(owner_household)
    home_urban = urban[owner_household]
    home_poor = poor[owner_household]
    median = np.where(home_urban, cal.HOME_AREA_MEDIAN_URBAN, cal.HOME_AREA_MEDIAN_RURAL)
    area = median * np.where(home_poor, 0.65, 1.0) * rng.lognormal(0.0, 0.35, k)
    area = np.clip(area, 18.0, 600.0).round(2)
    price = np.where(home_urban, cal.HOME_PRICE_URBAN, cal.HOME_PRICE_RURAL)
    value = area * price * rng.lognormal(0.0, 0.3, k)
    u = rng.random(k)
    grade = np.where(
        home_urban,
        0,
        np.where(home_poor, np.select([u < 0.03, u < 0.11], [2, 1], 0), np.where(u < 0.01, 1, 0)),
    )
    registered = block.days_ago(400, 9000, k)
    # A few ordinary households bought their first home 4 months to 3 years ago.
    first_home = (
        np.r_[True, owner_household[1:] != owner_household[:-1]] if k else np.zeros(0, bool)
    )
    purchase = first_home & ~home_poor & (block.situation[owner_household] == 0) & (u > 0.985)
    registered[purchase] = block.days_ago(BACKGROUND_MIN_AGE_DAYS, 1000, int(purchase.sum()))
    owner = m.first[owner_household]
    facts.assets.add(
        person=owner,
        kind=_full(k, ASSET["home"]),
        value=value,
        floor_area=area,
        housing_grade=grade,
        as_of=registered,
        source=_full(k, SOURCE["realestate_homes"]),
    )
    buyers = np.flatnonzero(purchase)
    facts.events.add(
        person=owner[buyers],
        kind=_full(len(buyers), EVENT["home_purchase"]),
        date=registered[buyers],
        amount=value[buyers],
        source=_full(len(buyers), SOURCE["realestate_homes"]),
    )


def _businesses(block: Block, facts: Facts, ordinary: np.ndarray) -> None:
    rng, m = block.rng, block.members
    n = block.n_persons
    household_ordinary = ordinary[m.household] & (block.apart == 0) & (block.death_day < 0)
    working_age = (m.age >= 18) & (m.age < 65)
    u = rng.random(n)
    representative = (
        household_ordinary
        & working_age
        & (block.employment == EMPLOYMENT["self_employed"])
        & (u < cal.SELF_EMPLOYED_LEGAL_REP_SHARE)
    )
    employed = household_ordinary & working_age & (block.employment == EMPLOYMENT["employed"])
    manager = employed & (u < cal.EMPLOYED_MANAGER_SHARE)
    shareholder = (
        employed
        & (u >= cal.EMPLOYED_MANAGER_SHARE)
        & (u < cal.EMPLOYED_MANAGER_SHARE + cal.EMPLOYED_SHAREHOLDER_SHARE)
    )
    people = np.flatnonzero(representative | manager | shareholder)
    role = np.select(
        [representative[people], manager[people]],
        [BUSINESS_ROLE["legal_representative"], BUSINESS_ROLE["senior_manager"]],
        BUSINESS_ROLE["controlling_shareholder"],
    )
    operating = np.where(representative[people], rng.random(len(people)) < 0.9, True)
    value = np.clip(rng.lognormal(np.log(300000), 1.0, len(people)), 10000, 5e7)
    registered = block.days_ago(400, 5000, len(people))

    opened = np.flatnonzero(block.in_situation("exit_business"))
    dormant = np.flatnonzero(
        block.in_situation("dibao_enrolled") & (rng.random(block.n_households) < 0.03)
    )
    people = np.r_[people, block.subject[opened], m.first[dormant]]
    role = np.r_[role, np.full(len(opened) + len(dormant), BUSINESS_ROLE["legal_representative"])]
    operating = np.r_[operating, np.ones(len(opened), bool), np.zeros(len(dormant), bool)]
    value = np.r_[
        value, rng.uniform(50000, 500000, len(opened)), rng.uniform(10000, 100000, len(dormant))
    ]
    registered = np.r_[
        registered, block.days_ago(20, 360, len(opened)), block.days_ago(1500, 5000, len(dormant))
    ]
    facts.assets.add(
        person=people,
        kind=_full(len(people), ASSET["business"]),
        value=value,
        business_role=role,
        business_operating=operating.astype(np.int8),
        as_of=registered,
        source=_full(len(people), SOURCE["market_business"]),
    )


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
        kind=_full(len(people), EVENT["hospitalisation"]),
        date=day,
        amount=cost,
        source=_full(len(people), SOURCE["healthcare_medical"]),
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
        kind=_full(len(people), EVENT["hospitalisation"]),
        date=admitted,
        amount=cost,
        source=_full(len(people), SOURCE["healthcare_medical"]),
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
        kind=_full(len(person), EXPENDITURE[kind]),
        amount=amount,
        date=day,
        source=_full(len(person), SOURCE[source]),
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
            _full(len(students), day),
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
