"""Five wrong passwords lock the account; ``minzheng demo --reset-passwords`` unlocks it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Platform, log_in, shoot
from tests.ops.processes import minzheng

pytestmark = pytest.mark.browser


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(
    page: Page, platform: Platform
) -> None:
    username = "demo_charity"
    for attempt in range(1, 5):
        page.goto(platform.url("/accounts/login/"))
        page.get_by_label("账号").fill(username)
        page.get_by_label("密码").fill(f"Wrong-password-{attempt}")
        page.locator("[data-testid=login-form] button[type=submit]").click()
        expect(page.locator("[data-testid=login-error]")).to_be_visible()
    shoot(page, "login-wrong-password")

    page.goto(platform.url("/accounts/login/"))
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码").fill("Wrong-password-5")
    page.locator("[data-testid=login-form] button[type=submit]").click()
    expect(page.locator("[data-testid=locked-out]")).to_be_visible()
    expect(page.locator("[data-testid=retry-at]")).to_be_visible()
    shoot(page, "locked-out")

    # Locked means locked: even the right password is refused now.
    page.goto(platform.url("/accounts/login/"))
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码").fill("Chongqing-Demo-2026")
    page.locator("[data-testid=login-form] button[type=submit]").click()
    expect(page.locator("[data-testid=locked-out]")).to_be_visible()

    minzheng(platform.var_dir, "demo", "--reset-passwords")
    log_in(page, platform, username)
    expect(page).to_have_url(platform.url("/"))
