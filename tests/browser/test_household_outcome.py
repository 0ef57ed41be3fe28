"""The household page shows every programme's outcome; one click opens the explanation."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Platform, log_in, shoot

pytestmark = pytest.mark.browser


def test_township_worker_opens_the_explanation_of_dibao(page: Page, platform: Platform) -> None:
    log_in(page, platform, "demo_township")
    page.goto(platform.url("/registry/"))
    page.locator("[data-testid=household-row] a").first.click()
    panel = page.locator("[data-testid=panel-outcome]")
    dibao = panel.locator("[data-testid=outcome-row][data-programme=dibao]")
    # The server's first evaluation compiles and prepares the engine's plan (seconds).
    expect(dibao).to_be_visible(timeout=60_000)
    expect(dibao).to_contain_text("最低生活保障")
    status = dibao.get_attribute("data-status")
    assert status in ("eligible", "ineligible", "unknown")
    expect(dibao.locator("td").nth(1)).to_contain_text(
        {"eligible": "符合", "ineligible": "不符合", "unknown": "无法判定"}[status]
    )

    panel.locator("[data-testid=explain-dibao]").click()
    explanation = panel.locator("[data-testid=explanation]")
    expect(explanation).to_be_visible()
    conditions = explanation.locator("[data-testid=conditions] li")
    expect(conditions.first).to_be_visible()
    expect(explanation).to_contain_text("家庭月人均收入低于低保标准")
    expect(explanation.locator("[data-testid=explanation-parameters]")).to_contain_text(
        "dibao.standard.urban"
    )
    assert conditions.count() == 7
    shoot(page, "household-outcome-explanation")
