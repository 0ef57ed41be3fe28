"""Switching the interface to English, and back."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Platform, log_in, shoot

pytestmark = pytest.mark.browser


def test_switching_to_english_translates_the_shell(page: Page, platform: Platform) -> None:
    page.goto(platform.url("/accounts/login/"))
    page.locator("select[name=language]").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("[data-testid=login-form] button[type=submit]")).to_have_text("Sign in")
    shoot(page, "login-english")

    log_in(page, platform, "demo_township")
    nav = page.locator("#mz-nav .nav-link")
    expect(nav.first).to_have_text("Home")
    expect(page.locator("#mz-nav")).to_contain_text("Divisions")
    expect(page.locator("#mz-nav")).not_to_contain_text("工作台")
    shoot(page, "home-english")

    page.locator("nav select[name=language]").select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(nav.first).to_have_text("工作台")
