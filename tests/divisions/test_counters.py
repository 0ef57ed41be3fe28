"""The counter registry: counts per division come from whichever app registered them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from minzheng.divisions import counters
from minzheng.divisions.models import Division

pytestmark = pytest.mark.django_db


@pytest.fixture
def village_counter() -> Iterator[str]:
    counters.register(
        "test_villages",
        "村(社区)",
        lambda prefixes: counters.count_by_path(
            Division.objects.filter(level="village", valid_to__isnull=True), "path", prefixes
        ),
    )
    yield "test_villages"
    counters.unregister("test_villages")


def test_subtree_totals_add_up_below_each_path(divisions, village_counter):
    wanzhou, fuling = divisions.get("500101"), divisions.get("500102")
    township = divisions.get("500101001")
    totals = counters.subtree_totals([wanzhou.path, fuling.path, township.path])
    assert (
        totals[wanzhou.path][village_counter]
        == Division.objects.filter(level="village", code__startswith="500101").count()
    )
    assert (
        totals[fuling.path][village_counter]
        == Division.objects.filter(level="village", code__startswith="500102").count()
    )
    assert totals[township.path][village_counter] == township.children.count()
    assert counters.subtree_totals([divisions.city.path])["500000/"][village_counter] == 11270


def test_exact_counts_give_one_entry_per_path(divisions, village_counter):
    counts = counters.exact_counts(["500000/500101/500101001/"])[village_counter]
    assert set(counts.values()) == {1}
    assert len(counts) == divisions.get("500101001").children.count()


def test_ancestors_of():
    assert list(counters.ancestors_of("500000/500101/500101001/")) == [
        "500000/",
        "500000/500101/",
        "500000/500101/500101001/",
    ]
