"""数据归集 in the browser: a county officer uploads a department's register as Excel, watches it
land, downloads the bad row, corrects it in the file and uploads it again; the same file again
adds nothing; the new household is found with its source."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from minzheng.registry import idnumbers
from tests.browser.conftest import Platform, log_in, shoot
from tests.registry.factories import make_id_number
from tests.registry.ingest.files import HUKOU, VILLAGE, write_xlsx

pytestmark = pytest.mark.browser

# Born in the early 1930s with sequence numbers in the 980s: no person of the demo's
# population has these numbers.
HEAD_OLD = "500101310415987"  # a 15-digit number, stored by Excel as a number
HEAD = idnumbers.parse(HEAD_OLD).value
SPOUSE = make_id_number(date(1932, 7, 8), "F", seq=494)
SON = make_id_number(date(1958, 9, 9), "M", seq=495)
NEIGHBOUR = make_id_number(date(1933, 1, 2), "F", seq=496)
NEIGHBOUR_MISTYPED = NEIGHBOUR[:-1] + ("0" if NEIGHBOUR[-1] != "0" else "1")


def _upload(page: Page, platform: Platform, path: Path) -> None:
    page.goto(platform.url("/registry/imports/new/"))
    page.get_by_label("数据源").select_option("police_hukou")
    page.get_by_label("所属区划").select_option("500101")
    page.get_by_label(re.compile("^文件")).set_input_files(path)
    page.get_by_role("button", name="上传并导入").click()
    # The worker takes the batch; the page polls its progress and reloads once it ends.
    expect(page.get_by_test_id("progress")).to_have_attribute(
        "data-status", re.compile("^(succeeded|partial|failed)$"), timeout=60_000
    )


def _counts(page: Page) -> tuple[str, str, str]:
    return (
        page.get_by_test_id("rows-created").inner_text(),
        page.get_by_test_id("rows-unchanged").inner_text(),
        page.get_by_test_id("rows-failed").inner_text(),
    )


def test_a_county_officer_imports_a_register_and_corrects_the_bad_row(
    page: Page, platform: Platform, tmp_path: Path
) -> None:
    rows = [
        [
            int(HEAD_OLD),
            "冉启明",
            "男",
            "1931-04-15",
            VILLAGE,
            "万州区高笋塘街道东方广场9号",
            "户主",
            "990001",
        ],
        [
            NEIGHBOUR_MISTYPED,
            "向玉兰",
            "女",
            "1933-01-02",
            VILLAGE,
            "万州区高笋塘街道东方广场11号",
            "户主",
            "990002",
        ],
        [
            SPOUSE,
            "谭 素芬",
            "女",
            "1932-07-08",
            VILLAGE,
            "万州区高笋塘街道东方广场9号",
            "配偶",
            "990001",
        ],
        [SON, "冉光荣", "男", "1958-09-09", VILLAGE, "万州区高笋塘街道东方广场9号", "子", "990001"],
    ]
    original = write_xlsx(
        tmp_path / "万州区户籍人口.xlsx", HUKOU, rows, title="万州区户籍人口花名册（2026年11月）"
    )
    log_in(page, platform, "demo_county")
    # The feed's template, from the upload page: its header is the one the file above uses.
    page.goto(platform.url("/registry/imports/new/"))
    page.get_by_role("button", name=re.compile("公安·户籍人口")).click()
    expect(page.get_by_test_id("template-police_hukou")).to_be_visible()
    shoot(page, "import-new")
    with page.expect_download() as downloading:
        page.get_by_test_id("template-police_hukou").click()
    assert downloading.value.suggested_filename == "公安·户籍人口-导入模板.xlsx"
    blank = tmp_path / "模板.xlsx"
    downloading.value.save_as(blank)
    first = load_workbook(blank).worksheets[0]
    assert [cell.value for cell in first[1]] == HUKOU

    _upload(page, platform, original)

    expect(page.get_by_test_id("progress")).to_have_attribute("data-status", "partial")
    assert _counts(page) == ("3", "0", "1")
    error = page.get_by_test_id("error-row")
    expect(error).to_have_count(1)
    # Row 4 as Excel shows it: the title, the header, then the head of household 990001.
    expect(error.locator("td").nth(0)).to_have_text("4")
    expect(error.locator("td").nth(1)).to_have_text("身份证号码")
    expect(error.locator("td").nth(2)).to_have_text(
        NEIGHBOUR[:6] + "********" + NEIGHBOUR_MISTYPED[-4:]
    )
    expect(error.locator("td").nth(3)).to_contain_text("身份证号码校验位错误")
    shoot(page, "import-partial")

    with page.expect_download() as downloading:
        page.get_by_test_id("error-file").click()
    corrected = tmp_path / "错误行.xlsx"
    downloading.value.save_as(corrected)
    book = load_workbook(corrected)
    sheet = book.active
    assert sheet is not None
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert table[0] == [*HUKOU, "错误说明"]
    assert len(table) == 2
    assert table[1][0] == NEIGHBOUR_MISTYPED
    assert "校验位错误" in str(table[1][-1])
    # The clerk puts the right number in and uploads the file as it is, 错误说明 and all.
    sheet["A2"] = NEIGHBOUR
    book.save(corrected)

    _upload(page, platform, corrected)

    expect(page.get_by_test_id("progress")).to_have_attribute("data-status", "succeeded")
    assert _counts(page) == ("1", "0", "0")
    expect(page.get_by_test_id("error-row")).to_have_count(0)

    # The first file again: the three persons are there already; the bad row is bad again.
    _upload(page, platform, original)

    assert _counts(page) == ("0", "3", "1")

    # The head's old 15-digit number was converted: the household is found by the new one.
    page.goto(platform.url(f"/registry/?q={HEAD}"))
    household = page.get_by_test_id("household-row")
    expect(household).to_have_count(1)
    expect(household).to_contain_text("500101-990001")
    expect(household).to_contain_text("3 / 3")
    household.locator("a").first.click()
    expect(page.locator("body")).to_contain_text("谭素芬")
    expect(page.get_by_test_id("source").first).to_contain_text("公安·户籍人口")
    shoot(page, "import-household")
