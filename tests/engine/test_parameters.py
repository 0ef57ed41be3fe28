"""The parameter seed and the snapshot as of a date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from minzheng.engine import parameters as p


@pytest.fixture(scope="module")
def seed() -> list[p.ParameterDefinition]:
    return p.load_seed()


def test_seed_has_every_programme_parameter(seed: list[p.ParameterDefinition]) -> None:
    names = {d.name for d in seed}
    for name in (
        "dibao.standard.urban",
        "dibao.standard.rural",
        "dibao.assets.financial_multiple",
        "dibao.assets.major_illness_exemption",
        "dibao.assets.vehicle_exempt_value",
        "dibao.addon.student",
        "dibao.gradual_exit.months",
        "tekun.standard.multiple_of_urban_dibao",
        "tekun.care_allowance.full",
        "near_dibao.income_multiple",
        "rigid_hardship.spending_share",
        "temporary_aid.amount.max_multiple",
        "orphan_allowance.scattered",
        "income.lookback_months",
        "disposable_income.previous_year.urban",
    ):
        assert name in names
    # every value names its source, and weak sources are never marked verified
    for d in seed:
        for v in d.values:
            assert v.source, d.name
            if v.tag in ("K", "M", "P"):
                assert v.verified is False, d.name


@pytest.mark.parametrize(
    ("day", "urban", "rural"),
    [
        (dt.date(2018, 6, 1), "546", "410"),
        (dt.date(2020, 6, 1), "620", "496"),
        (dt.date(2021, 10, 21), "636", "515"),
        (dt.date(2023, 8, 31), "717", "581"),
        (dt.date(2023, 9, 1), "735", "600"),
        (dt.date(2025, 7, 28), "735", "600"),
        (dt.date(2025, 7, 29), "770", "630"),
    ],
)
def test_dibao_standard_by_date(
    seed: list[p.ParameterDefinition], day: dt.date, urban: str, rural: str
) -> None:
    snap = p.snapshot(day, seed)
    assert snap.value("dibao.standard.urban") == Decimal(urban)
    assert snap.value("dibao.standard.rural") == Decimal(rural)


def test_before_first_value_and_no_value_are_unknown(seed: list[p.ParameterDefinition]) -> None:
    snap = p.snapshot(dt.date(2017, 12, 31), seed)
    assert snap.get("dibao.standard.urban").known is False
    now = p.snapshot(dt.date(2025, 8, 1), seed)
    assert now.get("dibao.gradual_exit.months").value is None
    assert now.get("tekun.care_allowance.full").known is False
    assert p.snapshot(dt.date(2019, 1, 1), seed).value("tekun.care_allowance.full") == 300
    assert now.get("no.such.parameter").known is False


def test_tekun_formula_matches_published_amounts(seed: list[p.ParameterDefinition]) -> None:
    for day in (dt.date(2020, 6, 1), dt.date(2025, 7, 29)):
        snap = p.snapshot(day, seed)
        multiple = snap.value("tekun.standard.multiple_of_urban_dibao")
        urban = snap.value("dibao.standard.urban")
        assert isinstance(multiple, Decimal) and isinstance(urban, Decimal)
        assert multiple * urban == snap.value("tekun.standard.basic_living")


def test_division_value_overrides_city_and_ends() -> None:
    defn = p.parse_definitions(
        {
            "x.rate": {
                "unit": "yuan/person/month",
                "values": [
                    {"effective_from": "2020-01-01", "value": 10, "source": "a"},
                    {
                        "effective_from": "2021-01-01",
                        "effective_to": "2021-12-31",
                        "value": 12,
                        "division": "500101",
                        "source": "b",
                    },
                ],
            }
        }
    )
    snap = p.snapshot(dt.date(2021, 6, 1), defn)
    assert snap.value("x.rate") == 10
    assert snap.overrides("x.rate")["500101"].value == 12
    assert p.snapshot(dt.date(2022, 1, 1), defn).overrides("x.rate") == {}


def test_malformed_value_names_parameter_and_field() -> None:
    with pytest.raises(p.ParameterError, match=r"y.months values\[0\]"):
        p.parse_definitions(
            {
                "y.months": {
                    "unit": "months",
                    "values": [{"effective_from": "2020-01-01", "value": 1.5}],
                }
            }
        )
