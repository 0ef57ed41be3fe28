"""Each demo role signs in (with its second factor where the role asks for one), lands on its
home page, sees in the navigation only what it may open, and gets 404 outside its scope."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Platform, log_in, shoot

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class RoleCase:
    username: str
    role_name: str
    scope: str  # the division named on the home page
    home_panel: str  # data-testid of a panel only this role's home page has
    home_text: str  # text that panel shows
    two_factor: bool
    org_units: bool  # holds orgunit.view


CASES = [
    RoleCase(
        "demo_village", "村(社区)协理员", "东方广场社区", "home-scope", "东方广场社区", False, True
    ),
    RoleCase(
        "demo_township",
        "乡镇(街道)民政服务站工作人员",
        "高笋塘街道",
        "home-children",
        "本乡镇(街道)的村(社区)",
        False,
        True,
    ),
    RoleCase(
        "demo_county",
        "区县民政局审核人员",
        "万州区",
        "home-children",
        "本区县的乡镇(街道)",
        True,
        True,
    ),
    RoleCase("demo_city", "市局处室", "重庆市", "home-departments", "社会救助", True, True),
    RoleCase("demo_agency", "协同部门", "重庆市", "home-org", "重庆市医疗保障局", False, False),
    RoleCase(
        "demo_charity",
        "社会组织/慈善组织",
        "万州区",
        "home-org",
        "万州区示范社会救助服务中心（演示）",
        False,
        False,
    ),
    RoleCase("demo_leader", "领导小组", "重庆市", "home-aggregates", "", True, False),
    RoleCase("demo_admin", "系统管理员", "重庆市", "home-admin-stats", "", True, True),
    RoleCase("demo_auditor", "审计员", "重庆市", "home-audit", "", True, True),
]

# Pages only some roles may open: path → (navigation label, usernames that may open it).
RESTRICTED = {
    "/accounts/users/": ("用户与授权", {"demo_admin"}),
    "/audit/": ("审计日志", {"demo_auditor"}),
    "/accounts/org-units/": ("机构", {c.username for c in CASES if c.org_units}),
}


def _nav(page: Page) -> dict[str, str]:
    """Navigation label → path, as the top bar shows them."""
    links = page.locator("#mz-nav .nav-link")
    return {
        links.nth(i).inner_text().strip(): links.nth(i).get_attribute("href") or ""
        for i in range(links.count())
    }


def _status(page: Page, platform: Platform, path: str) -> int:
    response = page.goto(platform.url(path))
    assert response is not None
    return response.status


@pytest.mark.parametrize("case", CASES, ids=[c.username for c in CASES])
def test_role_signs_in_to_its_home_and_sees_only_what_it_may_open(
    page: Page, platform: Platform, case: RoleCase
) -> None:
    page.goto(platform.url("/"))
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    log_in(page, platform, case.username)
    if case.two_factor:
        assert case.username in platform.last_step, "the role should have asked for a TOTP code"

    expect(page).to_have_url(platform.url("/"))
    role_line = page.locator("[data-testid=home-role]")
    expect(role_line).to_contain_text(case.role_name)
    expect(role_line).to_contain_text(case.scope)
    panel = page.locator(f"[data-testid={case.home_panel}]").first
    expect(panel).to_be_visible()
    if case.home_text:
        expect(panel).to_contain_text(case.home_text)
    shoot(page, f"home-{case.username}")

    nav = _nav(page)
    assert "工作台" in nav
    assert "行政区划" in nav
    for path, (label, allowed) in RESTRICTED.items():
        if case.username in allowed:
            assert nav.get(label) == path, f"{case.username} should see {label}"
        else:
            assert label not in nav, f"{case.username} must not see {label}"
            assert _status(page, platform, path) == 404, path
    # Everything the navigation offers opens.
    for label, path in nav.items():
        assert _status(page, platform, path) == 200, f"{case.username}: {label} {path}"


def test_a_chengkou_worker_gets_404_for_a_wanzhou_division(page: Page, platform: Platform) -> None:
    log_in(page, platform, "demo_township_chengkou")
    assert _status(page, platform, "/divisions/500229001/") == 200
    expect(page.get_by_role("heading", name=re.compile("葛城街道"))).to_be_visible()

    assert _status(page, platform, "/divisions/500101001/") == 404
    expect(page.locator("[data-testid=error-404]")).to_be_visible()
    expect(page.locator("[data-testid=current-user]")).to_be_visible()
    shoot(page, "out-of-scope-404")
    assert _status(page, platform, "/divisions/500229/") == 404  # the county is above the scope


def test_the_wanzhou_township_worker_reaches_wanzhou_but_not_chengkou(
    page: Page, platform: Platform
) -> None:
    log_in(page, platform, "demo_township")
    assert _status(page, platform, "/divisions/500101001001/") == 200
    assert _status(page, platform, "/divisions/500229001/") == 404
