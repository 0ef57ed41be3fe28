"""The demo's population: loaded once into the demo accounts' places, then skipped."""

from __future__ import annotations

import pytest

from minzheng.demo.population import load_demo_population
from minzheng.registry.models import Household, Person

pytestmark = pytest.mark.django_db


def test_loads_once_where_the_demo_accounts_work(divisions: object) -> None:
    first = load_demo_population(persons=6000)

    assert first.skipped is False
    assert first.persons == Person.objects.count() >= 6000
    households = Household.objects.filter(division__path__contains="/500101001/")
    assert households.exists()  # 万州区 高笋塘街道, the demo township
    assert Household.objects.filter(division__code__startswith="500229").exists()  # 城口县
    assert Household.objects.filter(division__code__startswith="500103").exists()
    assert Household.objects.filter(division__code__startswith="500243").exists()

    again = load_demo_population(persons=6000)

    assert again.skipped is True
    assert Person.objects.count() == first.persons


def test_size_comes_from_the_setting(divisions: object, settings: object) -> None:
    settings.MINZHENG_DEMO_PERSONS = 1200  # type: ignore[attr-defined]

    loaded = load_demo_population()

    assert 1200 <= loaded.persons < 1206
