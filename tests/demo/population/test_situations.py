"""The situations monitoring must find are planted in the stated proportions and show in the facts."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from minzheng.demo.population import situations
from minzheng.demo.population.households import CLASSES
from tests.demo.population.conftest import AS_OF
from tests.demo.population.household_facts import (
    day_numbers,
    days,
    household_facts,
    ints,
    money,
    strings,
)

RECENT = days(AS_OF) - 90


def _households_with(table: pa.Table, mask: np.ndarray) -> set[int]:
    return set((ints(table.column("household_id"))[mask]).tolist())


def _ids(facts_situation: np.ndarray, *codes: str) -> set[int]:
    return set((np.flatnonzero(np.isin(facts_situation, codes)) + 1).tolist())


def test_planted_counts_match_the_stated_rates(population: dict[str, pa.Table]) -> None:
    planted = population["planted_situations"]
    klass = strings(planted.column("household_class"))
    area = strings(planted.column("area_type"))
    found = Counter(strings(planted.column("situation")))

    for s in situations.SITUATIONS:
        expected = sum(
            s.rates[c][0 if a == "urban" else 1] * np.sum((klass == c) & (area == a))
            for c in s.rates
            for a in ("urban", "rural")
        )
        assert abs(found[s.code] - expected) <= 12, (s.code, found[s.code], expected)
        assert found[s.code] >= 3, s.code
    assert set(klass) == set(CLASSES)


def test_enrolled_and_discovery_households(population: dict[str, pa.Table]) -> None:
    f = household_facts(population, AS_OF)
    enrolled = np.isin(f.situation, sorted(situations.DIBAO_ENROLLED))

    assert (f.open_dibao == enrolled).all()
    below = f.monthly_income_per_counted < f.standard
    assets_ok = f.financial_per_counted <= 24 * f.standard
    clean = ~f.has_vehicle & ~f.has_operating_business
    discovery = f.situation == "eligible_not_enrolled"
    assert (below & assets_ok & clean & ~f.open_dibao)[discovery].all()
    still = f.situation == "dibao_enrolled"
    assert (below & assets_ok & clean)[still].all()
    # Nobody else is below the line with assets within the rules and not enrolled.
    candidates = below & assets_ok & clean & ~f.open_dibao & ~f.open_tekun
    expected = np.isin(
        f.situation, ["eligible_not_enrolled", "tekun_not_enrolled", "exit_death_sole_member"]
    )
    assert (candidates[f.counted > 0] == expected[f.counted > 0]).all()


def test_households_no_longer_eligible(population: dict[str, pa.Table]) -> None:
    f = household_facts(population, AS_OF)
    assets = population["assets"]
    kind = strings(assets.column("kind"))
    as_of = day_numbers(assets.column("as_of"))
    value = money(assets.column("value"))
    operating = pc.fill_null(assets.column("business_operating"), False).to_numpy(
        zero_copy_only=False
    )

    rose = f.situation == "exit_income_rose"
    assert (f.monthly_income_per_counted[rose] > 1.2 * f.standard[rose]).all()
    new_cars = _households_with(
        assets, (kind == "car") & (as_of >= days(AS_OF) - 180) & (value > 30_000)
    )
    assert new_cars == _ids(f.situation, "exit_vehicle")
    new_firms = _households_with(
        assets, (kind == "business") & operating & (as_of >= days(AS_OF) - 365)
    )
    assert _ids(f.situation, "exit_business") <= new_firms
    assert (f.has_operating_business[f.situation == "exit_business"]).all()


def test_deaths_of_enrolled_members(population: dict[str, pa.Table]) -> None:
    f = household_facts(population, AS_OF)
    events = population["events"]
    recent_deaths = _households_with(
        events,
        (strings(events.column("kind")) == "death")
        & (day_numbers(events.column("date")) >= RECENT),
    )

    assert recent_deaths == _ids(f.situation, "exit_death_sole_member", "enrolled_member_died")
    sole = f.situation == "exit_death_sole_member"
    assert (f.members[sole] == 1).all() and (f.counted[sole] == 0).all()
    assert f.open_dibao[sole].all()


def test_recent_shocks_are_exactly_the_planted_ones(population: dict[str, pa.Table]) -> None:
    f = household_facts(population, AS_OF)
    events = population["events"]
    kind = strings(events.column("kind"))
    recent = day_numbers(events.column("date")) >= RECENT
    spending = population["expenditures"]
    big_bills = _households_with(
        spending,
        (strings(spending.column("kind")) == "medical")
        & (day_numbers(spending.column("date")) >= RECENT)
        & (money(spending.column("amount")) >= 20_000),
    )

    assert _households_with(events, recent & (kind == "hospitalisation")) == _ids(
        f.situation, "shock_hospitalisation"
    )
    assert big_bills == _ids(f.situation, "shock_hospitalisation")
    assert _households_with(events, recent & (kind == "unemployment")) == _ids(
        f.situation, "shock_unemployment"
    )
    certified = np.isin(kind, ["disability_certified", "disability_changed"])
    assert _households_with(events, recent & certified) == _ids(f.situation, "shock_disability")
    shocked = _ids(
        f.situation, *situations.SHOCKS, "exit_death_sole_member", "enrolled_member_died"
    )
    assert _households_with(events, recent & (kind != "birth")) == shocked


def test_lone_old_people_without_income(population: dict[str, pa.Table]) -> None:
    f = household_facts(population, AS_OF)
    tekun = np.isin(f.situation, sorted(situations.TEKUN))

    assert (f.members[tekun] == 1).all()
    assert (f.monthly_income_per_counted[tekun] == 0).all()
    assert (f.open_tekun == (f.situation == "tekun_enrolled")).all()


def test_members_living_apart_are_recorded_not_counted(population: dict[str, pa.Table]) -> None:
    f = household_facts(population, AS_OF)
    memberships = population["memberships"]
    reason = strings(memberships.column("apart_reason"))

    assert _households_with(memberships, reason == "prison") == _ids(
        f.situation, "member_in_prison"
    )
    assert _households_with(memberships, reason == "missing") == _ids(f.situation, "member_missing")
    apart = np.isin(f.situation, sorted(situations.APART))
    assert (f.counted[apart] == f.members[apart] - 1).all()


def test_low_income_with_large_deposits(population: dict[str, pa.Table]) -> None:
    f = household_facts(population, AS_OF)
    rich = f.situation == "low_income_high_assets"

    assert (f.monthly_income_per_counted[rich] < f.standard[rich]).all()
    assert (f.financial_per_counted[rich] > 24 * f.standard[rich]).all()
    assert not f.open_dibao[rich].any()
