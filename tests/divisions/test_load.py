"""Loading the reference tree: counts, paths, area types, idempotency."""

from __future__ import annotations

import pytest

from minzheng.divisions import selectors, services
from minzheng.divisions.models import Division, DivisionVersion

pytestmark = pytest.mark.django_db


def test_loaded_tree_has_the_city_and_every_level(divisions):
    counts = {
        level: Division.objects.filter(level=level).count() for level, _ in Division.Level.choices
    }
    assert counts == {"city": 1, "county": 38, "township": 1031, "village": 11270}
    assert divisions.city.code == "500000"
    assert divisions.city.name == "重庆市"


def test_paths_follow_the_codes(divisions):
    village = divisions.get("500101001001")
    assert village.path == "500000/500101/500101001/500101001001/"
    assert village.parent.code == "500101001"
    assert village.parent.parent.code == "500101"
    assert village.parent.parent.parent.code == "500000"
    assert village.level == Division.Level.VILLAGE
    # Every row's path is its parent's path plus its own code.
    mismatched = [
        d.code
        for d in Division.objects.select_related("parent").exclude(level="city")
        if d.parent is None or d.path != f"{d.parent.path}{d.code}/"
    ]
    assert mismatched == []


def test_village_area_type_comes_from_the_code_range(divisions):
    assert divisions.get("500101001001").area_type == Division.AreaType.URBAN
    assert Division.objects.filter(level="village", area_type="urban").count() == 3324
    assert Division.objects.filter(level="village", area_type="rural").count() == 7946
    assert Division.objects.exclude(level="village").exclude(area_type="").count() == 0


def test_village_area_type_ranges():
    assert services.village_area_type("500101001001") == "urban"
    assert services.village_area_type("500101001199") == "urban"
    assert services.village_area_type("500101001200") == "rural"
    assert services.village_area_type("500101001399") == "rural"
    assert services.village_area_type("500101001400") == ""


def test_reload_creates_and_updates_nothing(divisions):
    result = services.load_divisions()
    assert (result.created, result.updated, result.total) == (0, 0, 12340)
    assert Division.objects.count() == 12340


def test_reload_restores_derived_area_type_but_keeps_overrides(divisions):
    drifted = divisions.get("500101001001")
    Division.objects.filter(pk=drifted.pk).update(area_type="rural")
    overridden = divisions.get("500101001002")
    Division.objects.filter(pk=overridden.pk).update(area_type="rural", area_type_overridden=True)

    result = services.load_divisions()

    assert result.updated == 1
    assert divisions.get("500101001001").area_type == "urban"
    assert divisions.get("500101001002").area_type == "rural"


def test_reload_tops_up_missing_rows(divisions):
    village = divisions.get("500101001001")
    DivisionVersion.objects.filter(division=village).delete()
    Division.objects.filter(pk=village.pk).delete()
    result = services.load_divisions()
    assert result.created == 1
    assert divisions.get("500101001001").path == "500000/500101/500101001/500101001001/"


def test_selectors_children_subtree_counties(divisions):
    wanzhou = divisions.get("500101")
    assert selectors.children(divisions.city).count() == 38
    assert list(selectors.counties().values_list("code", flat=True))[:2] == ["500101", "500102"]
    assert selectors.counties().count() == 38
    townships = selectors.children(wanzhou)
    assert townships.count() == Division.objects.filter(code__regex=r"^500101\d{3}$").count()
    assert selectors.subtree(wanzhou).filter(level="village").count() == (
        Division.objects.filter(level="village", code__startswith="500101").count()
    )
    assert selectors.subtree(wanzhou).values_list("code", flat=True)[0] == "500101"
