"""The whole loop in the browser, on the demo population: a discovery alert in 高笋塘街道 is
taken up by the township worker (accepted, economic check with the signed authorisation
uploaded, home visit with a photo uploaded, first review, public notice), decided by the county
officer of 万州区 with the engine's amount, paid; a referral to the demo social organisation
(with the household's consent) is answered by its user. Then the loop figures show it.

This module runs its own platform with a larger demo population than the other browser tests
(``PERSONS``): 高笋塘街道 is one of 万州区's 52 townships, and the demo loop leaves only a share
of its alerts waiting.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ARTIFACTS, Platform, _secrets_from_demo_output, log_in, shoot
from tests.ops.processes import minzheng, served

pytestmark = pytest.mark.browser

PERSONS = "20000"
TOWNSHIP = "500101001"
CHARITY_UNIT = "万州区示范社会救助服务中心（演示）"


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """The platform as ``make run`` leaves it (demo, first screening, demo loop), served."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    var_dir = tmp_path_factory.mktemp("loop-var")
    demo = minzheng(var_dir, "demo", "--migrate", MINZHENG_DEMO_PERSONS=PERSONS)
    (ARTIFACTS / "loop-demo-output.txt").write_text(demo.stdout)
    assert "演示办理已完成" in demo.stdout, demo.stdout
    minzheng(var_dir, "collectstatic", "--no-input", "-v", "0")
    log = ARTIFACTS / "loop-server.log"
    log.write_text("")
    with served(var_dir, log=log, workers=2) as base_url:
        yield Platform(
            base_url=base_url,
            var_dir=var_dir,
            totp_secrets=_secrets_from_demo_output(demo.stdout),
        )


def _db(platform: Platform) -> sqlite3.Connection:
    return sqlite3.connect(Path(platform.var_dir) / "minzheng.sqlite3")


def _waiting_discovery_alert(platform: Platform) -> int:
    """An open discovery alert of 高笋塘街道 for a cash programme (the demo loop keeps one)."""
    with _db(platform) as db:
        rows = db.execute(
            "SELECT id, programmes FROM monitoring_alert WHERE kind = 'discovery' AND status = 'open'"
            " AND scope_path LIKE ? ORDER BY deadline, score DESC, id",
            (f"%/{TOWNSHIP}/%",),
        ).fetchall()
    cash = [pk for pk, programmes in rows if {"dibao", "tekun"} & set(json.loads(programmes))]
    assert cash, rows
    return int(cash[0])


def _notice_over(platform: Platform, number: str) -> None:
    """The 7-day public notice passes (the server's clock cannot travel: the dates move back)."""
    with _db(platform) as db:
        db.execute(
            "UPDATE cases_case SET notice_starts_on = date('now', '+8 hours', '-8 days'),"
            " notice_ends_on = date('now', '+8 hours', '-1 day') WHERE number = ?",
            (number,),
        )


def _step(page: Page, key: str, fields: dict[str, str] | None = None) -> None:
    card = page.locator(f"[data-testid=step-{key}]")
    expect(card).to_be_visible()
    for name, value in (fields or {}).items():
        target = card.locator(f"[name={name}]")
        if target.first.get_attribute("type") == "radio":
            card.locator(f"input[name={name}][value={value}]").check()
        else:
            target.fill(value)
    card.locator(f"[data-testid=submit-{key}]").click()
    page.wait_for_load_state()
    expect(page.locator("[data-testid=form-error]")).to_have_count(0)


def _upload(page: Page, kind: str, path: Path) -> None:
    form = page.locator("[data-testid=upload-form]")
    form.locator("select[name=kind]").select_option(kind)
    form.locator("input[name=file]").set_input_files(str(path))
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def _log_out(page: Page) -> None:
    page.context.clear_cookies()


def test_a_discovery_alert_worked_to_payment_with_a_charity_referral(
    page: Page, platform: Platform, tmp_path: Path
) -> None:
    authorisation = tmp_path / "核对授权书.pdf"
    authorisation.write_bytes(b"%PDF-1.4\n% signed authorisation (browser test)\n")
    photo = tmp_path / "入户照片.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    consent = tmp_path / "信息共享同意书.pdf"
    consent.write_bytes(b"%PDF-1.4\n% consent (browser test)\n")
    alert_id = _waiting_discovery_alert(platform)

    # The township worker finds the alert on the worklist and takes it up.
    log_in(page, platform, "demo_township")
    page.goto(platform.url("/monitoring/alerts/?kind=discovery"))
    page.locator(f"a[href='/monitoring/alerts/{alert_id}/']").click()
    page.wait_for_load_state()
    shoot(page, "loop-01-alert")
    page.locator("[data-testid=alert-to-case]").click()
    page.wait_for_load_state()
    assert re.search(r"/cases/500101001-\d{4}-\d{4}/", page.url), page.url
    number = page.url.rstrip("/").rsplit("/", 1)[-1]

    _step(page, "accept", {"completeness": "complete"})
    _step(page, "start_check")
    _upload(page, "authorisation", authorisation)
    _step(page, "finish_check", {"summary": "比对车辆、不动产、工商和存款信息：均无。"})
    _upload(page, "visit_photo", photo)
    today = page.evaluate("new Date().toLocaleDateString('sv-SE', {timeZone: 'Asia/Shanghai'})")
    _step(page, "finish_visit", {"visited_on": today, "notes": "入户查看：独居，无劳动能力。"})
    shoot(page, "loop-02-visited")
    _step(page, "review", {"recommendation": "approve", "opinion": "符合条件，拟予救助。"})
    expect(page.locator("[data-testid=case-header]")).to_contain_text("公示中")
    page.goto(platform.url("/cases/notices/"))
    shoot(page, "loop-03-notices")

    _notice_over(platform, number)
    page.goto(platform.url(f"/cases/{number}/"))
    _step(page, "end_notice", {"objections": ""})
    expect(page.locator("[data-testid=case-header]")).to_contain_text("待审核确认")

    # With the household's consent, a referral to the demo social organisation.
    page.locator("#referrals summary").click()
    form = page.locator("[data-testid=referral-form]")
    form.locator("select[name=kind]").select_option("charity")
    receiver = form.locator("select[name=to_org_unit] option", has_text=CHARITY_UNIT)
    form.locator("select[name=to_org_unit]").select_option(receiver.get_attribute("value"))
    form.locator("textarea[name=need]").fill("独居老人，冬季需要取暖物资和定期探访。")
    form.locator("input[name=consent_file]").set_input_files(str(consent))
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("[data-testid=referrals]")).to_contain_text(CHARITY_UNIT)
    shoot(page, "loop-04-referred")
    _log_out(page)

    # The county officer decides: the engine's amount, paid from this month.
    log_in(page, platform, "demo_county")
    page.goto(platform.url(f"/cases/{number}/"))
    expect(page.locator("[data-testid=assessment-preview]")).to_be_visible()
    _step(page, "decide", {"decision": "approved", "reasons": "经审核，符合救助条件，予以救助。"})
    expect(page.locator("[data-testid=case-header]")).to_contain_text("救助发放中")
    amount = page.locator("[data-testid=monthly-amount]").inner_text()
    assert re.match(r"[1-9][\d,]*\.\d\d 元", amount), amount
    shoot(page, "loop-05-decided")
    page.goto(platform.url("/cases/payments/"))
    shoot(page, "loop-06-payment-roll")
    _log_out(page)

    # The social organisation's user answers the referral.
    log_in(page, platform, "demo_charity")
    page.goto(platform.url("/cases/referrals/"))
    page.locator("a", has_text=re.compile("慈善帮扶")).first.click()
    page.wait_for_load_state()
    for action, text in (
        ("accept", ""),
        ("start", ""),
        ("finish", "已送去棉被和取暖器，安排社工每周探访。"),
    ):
        answer = page.locator("[data-testid=answer]")
        answer.locator(f"input[name=action][value={action}]").check()
        if text:
            answer.locator("textarea[name=text]").fill(text)
        answer.locator("[data-testid=submit-answer]").click()
        page.wait_for_load_state()
    expect(page.locator("[data-testid=referral-status]")).to_have_text("已办结")
    expect(page.locator("[data-testid=referral-outcome]")).to_contain_text("棉被")
    shoot(page, "loop-07-charity-answered")
    _log_out(page)

    # Back at the township: the case shows the answer, the timeline the whole chain.
    log_in(page, platform, "demo_township")
    page.goto(platform.url(f"/cases/{number}/"))
    expect(page.locator("[data-testid=referrals]")).to_contain_text("已办结")
    expect(page.locator("[data-testid=case-timeline]")).to_contain_text("审核确认")
    shoot(page, "loop-08-case")
    with _db(platform) as db:
        status, alert_status = db.execute(
            "SELECT c.status, a.status FROM cases_case c JOIN monitoring_alert a"
            " ON a.case_id = c.id WHERE c.number = ?",
            (number,),
        ).fetchone()
        payments = db.execute(
            "SELECT count(*) FROM cases_payment p JOIN cases_case c ON c.id = p.case_id"
            " WHERE c.number = ?",
            (number,),
        ).fetchone()[0]
    assert (status, alert_status, payments) == ("in_payment", "converted_to_case", 1)

    # The loop figures: charts drawn by the bundled ECharts, and the table.
    page.goto(platform.url("/cases/figures/"))
    expect(page.locator("#mz-funnel-chart canvas")).to_have_count(1)
    expect(page.locator("[data-testid=township-figures]")).to_contain_text("高笋塘街道")
    shoot(page, "loop-09-figures")
