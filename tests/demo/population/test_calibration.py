"""The population looks like Chongqing: ages, household sizes, places, incomes, disability."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from minzheng.demo.population import calibration as cal
from minzheng.demo.population.places import is_urban_code
from tests.demo.population.conftest import AS_OF
from tests.demo.population.household_facts import day_numbers, days, household_facts, strings


def _ages(population: dict[str, pa.Table]) -> np.ndarray:
    persons = population["persons"]
    living = strings(persons.column("life_status")) == "living"
    birth = day_numbers(persons.column("birth_date"))
    return ((days(AS_OF) - birth) / 365.2425)[living]


def test_age_structure_of_an_ageing_city(population: dict[str, pa.Table]) -> None:
    ages = _ages(population)

    assert abs((ages >= 60).mean() - cal.AGE_SHARE_60_PLUS) < 0.02
    assert abs((ages >= 65).mean() - cal.AGE_SHARE_65_PLUS) < 0.02
    assert abs((ages < 15).mean() - cal.AGE_SHARE_0_14) < 0.025
    assert ages.max() < 105


def test_mean_household_size_near_two_point_six(population: dict[str, pa.Table]) -> None:
    size = population["memberships"].num_rows / population["households"].num_rows

    assert abs(size - cal.HOUSEHOLD_SIZE_TARGET) < 0.12


def test_area_type_follows_the_village_code(population: dict[str, pa.Table]) -> None:
    households = population["households"]
    codes = households.column("division_code").to_pylist()
    area = households.column("area_type").to_pylist()

    assert all((a == "urban") == is_urban_code(c) for c, a in zip(codes, area, strict=True))
    by_county: dict[str, list[bool]] = {}
    for code, kind in zip(codes, area, strict=True):
        by_county.setdefault(code[:6], []).append(kind == "urban")
    assert all(by_county["500103"])  # 渝中区 has only residents' committees
    assert np.mean(by_county["500229"]) < np.mean(by_county["500101"])


def test_incomes_are_calibrated_to_disposable_income(population: dict[str, pa.Table]) -> None:
    facts = household_facts(population, AS_OF)
    yearly = facts.monthly_income_per_counted * 12 * facts.counted
    urban = yearly[facts.urban].sum() / facts.members[facts.urban].sum()
    rural = yearly[~facts.urban].sum() / facts.members[~facts.urban].sum()

    assert abs(urban / cal.DISPOSABLE_INCOME_URBAN - 1) < 0.1
    assert abs(rural / cal.DISPOSABLE_INCOME_RURAL - 1) < 0.1
    per_capita = facts.monthly_income_per_counted[facts.situation == "none"]
    assert np.median(per_capita) < per_capita.mean()  # right-skewed


def test_dibao_covers_more_of_the_countryside(population: dict[str, pa.Table]) -> None:
    facts = household_facts(population, AS_OF)
    urban = facts.members[facts.open_dibao & facts.urban].sum() / facts.members[facts.urban].sum()
    rural = facts.members[facts.open_dibao & ~facts.urban].sum() / facts.members[~facts.urban].sum()

    assert 0.02 <= rural <= 0.04
    assert 0.004 <= urban < rural


def test_disability_illness_and_self_care(population: dict[str, pa.Table]) -> None:
    persons = population["persons"]
    grades = persons.column("disability_grade")
    disabled = pc.is_valid(grades).to_numpy(zero_copy_only=False)
    counts = {v["values"]: v["counts"] for v in grades.value_counts().to_pylist()}
    old = _ages(population) >= 60
    living = strings(persons.column("life_status")) == "living"
    self_care = np.asarray(persons.column("self_care_items_lost").to_numpy())[living]

    assert 0.045 < disabled.mean() < 0.075
    assert counts[1] < counts[2] < counts[3] < counts[4]
    assert (self_care[old] > 0).mean() > 3 * (self_care[~old] > 0).mean()
    assert 0.003 < np.mean(persons.column("major_illness").to_pylist()) < 0.03


def test_spending_assets_and_names_are_there(population: dict[str, pa.Table]) -> None:
    kinds = {
        table: set(population[table].column("kind").to_pylist())
        for table in ("expenditures", "assets", "events", "incomes")
    }
    names = population["persons"].column("name").to_pylist()

    assert {"medical", "education", "rehabilitation"} <= kinds["expenditures"]
    assert {"deposit", "car", "home", "business", "motorcycle"} <= kinds["assets"]
    assert {"birth", "death", "hospitalisation", "unemployment"} <= kinds["events"]
    assert {"wage", "pension", "basic_pension", "assistance_payment"} <= kinds["incomes"]
    assert all(2 <= len(n) <= 3 for n in names)
    assert len(set(names)) > 0.5 * len(names)
    homes = population["assets"].filter(pc.equal(population["assets"].column("kind"), "home"))
    assert pc.min(homes.column("floor_area")).as_py() > 0
