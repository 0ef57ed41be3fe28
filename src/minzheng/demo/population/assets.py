"""Deposits and other financial assets, vehicles, homes and business roles."""

from __future__ import annotations

import numpy as np

from minzheng.demo.population import calibration as cal
from minzheng.demo.population import situations as sit
from minzheng.demo.population.block import (
    BACKGROUND_MIN_AGE_DAYS,
    Block,
    categorical,
)
from minzheng.demo.population.facts import (
    ASSET,
    BUSINESS_ROLE,
    EVENT,
    Facts,
    full,
)
from minzheng.demo.population.people import EMPLOYMENT
from minzheng.demo.population.sources import INDEX as SOURCE


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
        source=full(len(securities), SOURCE["bank_deposits"]),
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
        kind=full(len(person), ASSET[kind]),
        value=value,
        as_of=as_of,
        source=full(len(person), SOURCE[source]),
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
        kind=full(k, ASSET["home"]),
        value=value,
        floor_area=area,
        housing_grade=grade,
        as_of=registered,
        source=full(k, SOURCE["realestate_homes"]),
    )
    buyers = np.flatnonzero(purchase)
    facts.events.add(
        person=owner[buyers],
        kind=full(len(buyers), EVENT["home_purchase"]),
        date=registered[buyers],
        amount=value[buyers],
        source=full(len(buyers), SOURCE["realestate_homes"]),
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
        kind=full(len(people), ASSET["business"]),
        value=value,
        business_role=role,
        business_operating=operating.astype(np.int8),
        as_of=registered,
        source=full(len(people), SOURCE["market_business"]),
    )
