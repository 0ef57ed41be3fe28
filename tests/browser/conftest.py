"""Browser tests: the real platform (``minzheng serve``) on its own data directory, driven by
Debian's Chromium through Playwright.

The session starts from an empty directory: ``minzheng demo --migrate`` (whose printed table
gives the demo accounts' TOTP secrets), collectstatic, then ``minzheng serve`` on a free port
with two-factor authentication ON (``MINZHENG_DEMO_SKIP_2FA`` unset). Screenshots go to
``test-artifacts/browser/``.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from minzheng.demo.accounts import DEMO_PASSWORD
from tests.ops.processes import REPO, minzheng, served

ARTIFACTS = REPO / "test-artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TOTP_STEP = 30


@dataclass
class Platform:
    """The running platform: where it answers, its data directory, the demo TOTP secrets."""

    base_url: str
    var_dir: Path
    totp_secrets: dict[str, str]
    last_step: dict[str, int] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base_url + path

    def fresh_totp(self, username: str) -> str:
        """A code the platform has not seen yet: django-otp refuses a time step used before
        (the demo's enrolment used one), so wait for the next step when needed."""
        with sqlite3.connect(self.var_dir / "minzheng.sqlite3") as db:
            row = db.execute(
                "SELECT d.last_t FROM otp_totp_totpdevice d JOIN accounts_user u ON u.id = d.user_id"
                " WHERE u.username = ? AND d.confirmed",
                (username,),
            ).fetchone()
        used = max(row[0] if row else -1, self.last_step.get(username, -1))
        while int(time.time()) // TOTP_STEP <= used:
            time.sleep(0.5)
        step = int(time.time()) // TOTP_STEP
        self.last_step[username] = step
        return pyotp.TOTP(self.totp_secrets[username]).at(step * TOTP_STEP)


def _secrets_from_demo_output(output: str) -> dict[str, str]:
    """username → TOTP secret, read from the table ``minzheng demo`` prints."""
    secrets = {}
    for line in output.splitlines():
        match = re.match(r"^(demo_\w+)\s.*\s([A-Z2-7]{32})$", line.strip())
        if match:
            secrets[match.group(1)] = match.group(2)
    return secrets


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    var_dir = tmp_path_factory.mktemp("browser-var")
    # As `make run` does it: migrations and the demo in one command.
    demo = minzheng(var_dir, "demo", "--migrate", MINZHENG_DEMO_PERSONS="3000")
    (ARTIFACTS / "demo-output.txt").write_text(demo.stdout)
    secrets = _secrets_from_demo_output(demo.stdout)
    assert set(secrets) == {
        "demo_county",
        "demo_city",
        "demo_leader",
        "demo_admin",
        "demo_auditor",
    }, demo.stdout
    minzheng(var_dir, "collectstatic", "--no-input", "-v", "0")
    log = ARTIFACTS / "server.log"
    log.write_text("")
    with served(var_dir, log=log, workers=2) as base_url:
        yield Platform(base_url=base_url, var_dir=var_dir, totp_secrets=secrets)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        yield _launch(playwright)


def _launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


@pytest.fixture
def page(browser: Browser, platform: Platform, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser context (no cookies) per test; a screenshot is kept if the test fails."""
    context = browser.new_context(
        viewport={"width": 1366, "height": 860}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        shoot(page, f"FAILED-{request.node.name}")
    context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report


def shoot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as test-artifacts/browser/<name>.png."""
    path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page: Page, platform: Platform, username: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the login form, and through the TOTP page when the role asks for it."""
    page.goto(platform.url("/accounts/login/"))
    page.get_by_label(re.compile("账号|Account")).fill(username)
    page.get_by_label(re.compile("密码|Password")).fill(password)
    page.locator("[data-testid=login-form] button[type=submit]").click()
    page.wait_for_load_state()
    if "/accounts/two-factor/" in page.url:
        page.locator("input[name=token]").fill(platform.fresh_totp(username))
        page.locator("form button[type=submit]").first.click()
        page.wait_for_load_state()
    expect(page.locator("[data-testid=current-user]")).to_be_visible()


__all__ = ["Platform", "log_in", "shoot"]
