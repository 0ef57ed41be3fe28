"""The division browser: expand a county, see its townships with their counts."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Platform, log_in, shoot

pytestmark = pytest.mark.browser


def test_county_officer_expands_wanzhou_and_sees_townships_with_counts(
    page: Page, platform: Platform
) -> None:
    log_in(page, platform, "demo_county")
    page.get_by_role("link", name="行政区划").click()
    tree = page.locator("[data-testid=division-tree]")
    expect(tree).to_be_visible()
    county = tree.locator("li[data-code='500101']")
    expect(county).to_be_visible()

    page.locator("[data-testid=expand-500101]").click()
    township = county.locator("li[data-code='500101001']")
    # The first expansion counts every township's persons and units on a server just
    # started: more than expect's 5 s, once, on a slow host (CI, 27 November 2026).
    expect(township).to_be_visible(timeout=20_000)
    expect(township).to_contain_text("高笋塘街道")
    # The row's columns: name, level, code, area type, number of villages, then the counters.
    cells = township.locator(".mz-node-row").first.locator(":scope > div")
    expect(cells.nth(2)).to_have_text("500101001")
    assert int(cells.nth(4).inner_text()) > 0
    counters = [cells.nth(i).inner_text() for i in range(5, cells.count())]
    assert counters, "the tree shows per-division counts"
    assert all(c.strip().isdigit() for c in counters), counters
    # 高笋塘街道 has its own service station: the org-unit count includes it.
    assert max(int(c) for c in counters) >= 1
    shoot(page, "division-browser-expanded")

    # Nothing outside the officer's county is in the tree.
    expect(tree.locator("li[data-code='500229']")).to_have_count(0)
