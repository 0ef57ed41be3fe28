"""A feed's import template: the header row to fill in, with notes, drop-downs and text cells;
filled in and uploaded as it is, it imports."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from minzheng.registry.ingest import run_import
from minzheng.registry.ingest.feeds import FEEDS
from minzheng.registry.ingest.reader import open_source
from minzheng.registry.ingest.template import NOTES_TITLE, template
from minzheng.registry.models import Feed, Person
from tests.registry.ingest.files import HUKOU, family
from tests.scope import make_scoped_user

pytestmark = pytest.mark.usefixtures("feeds")


def _download(client: Client, code: str) -> bytes:
    client.force_login(make_scoped_user(["registry.import"], division="500101"))
    response = client.get(reverse("registry:import_template", kwargs={"code": code}))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert response["Content-Type"].endswith("spreadsheetml.sheet")
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


@pytest.mark.parametrize("code", list(FEEDS))
def test_every_feed_s_template_is_read_as_that_feed_s_file(code: str, tmp_path: Path) -> None:
    spec = FEEDS[code]
    path = tmp_path / "模板.xlsx"
    path.write_bytes(template(spec))

    source = open_source(path, spec)

    assert set(source.positions) == {column.key for column in spec.columns}
    assert list(source.rows()) == []
    notes = load_workbook(path)[NOTES_TITLE]
    listed = [row[0] for row in notes.iter_rows(min_row=6, values_only=True)]
    assert listed == [column.header for column in spec.columns]


def test_the_register_s_template_filled_in_and_uploaded_as_it_is_imports(
    client: Client, tmp_path: Path
) -> None:
    book = load_workbook(BytesIO(_download(client, "police_hukou")))
    sheet = book.worksheets[0]
    assert [cell.value for cell in sheet[1]] == HUKOU
    # ID numbers and codes are text cells: Excel keeps all 18 digits of what is typed there.
    formats = {c.value: sheet.column_dimensions[c.column_letter].number_format for c in sheet[1]}
    assert (formats["身份证号码"], formats["区划代码"], formats["户号"]) == ("@", "@", "@")
    assert formats["姓名"] == "General"
    assert sheet["A1"].comment is not None
    assert sheet["A1"].comment.text.startswith("必填；18位居民身份证号码")
    assert sheet["D1"].comment is not None
    assert sheet["D1"].comment.text.startswith("选填")
    offered = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert offered["C2:C10001"] == '"男,女"'
    assert offered["G2:G10001"].startswith('"户主,配偶,')

    rows = family("004401", size=3)
    for row in rows:
        sheet.append(row)
    filled = tmp_path / "万州区户籍-按模板填写.xlsx"
    book.save(filled)
    batch = run_import(feed_code="police_hukou", path=filled, by=None)

    assert (batch.status, batch.rows_created, batch.rows_failed) == ("succeeded", 3, 0)
    assert Person.objects.count() == 3


def test_the_upload_page_links_each_feed_s_template(client: Client) -> None:
    client.force_login(make_scoped_user(["registry.import"], division="500101"))

    page = client.get(reverse("registry:import_new")).content.decode()

    for code in FEEDS:
        assert reverse("registry:import_template", kwargs={"code": code}) in page


def test_an_unknown_feed_has_no_template(client: Client) -> None:
    client.force_login(make_scoped_user(["registry.import"], division="500101"))

    response = client.get(reverse("registry:import_template", kwargs={"code": "no_such_feed"}))

    assert response.status_code == 404


def test_the_command_writes_a_feed_s_template(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "医保模板.xlsx"

    call_command("import", "healthcare_medical", "--template", str(out))

    headers = [cell.value for cell in load_workbook(out).worksheets[0][1]]
    assert headers == [column.header for column in FEEDS["healthcare_medical"].columns]
    assert f"已写出“医保·医疗费用个人自付”的导入模板：{out}" in capsys.readouterr().out


@pytest.mark.django_db
def test_a_new_database_s_first_page_may_be_a_template(client: Client) -> None:
    Feed.objects.all().delete()  # no import yet: the feeds are seeded on first use
    client.force_login(make_scoped_user(["registry.import"], division="500101"))

    response = client.get(reverse("registry:import_template", kwargs={"code": "bank_deposits"}))

    assert response.status_code == 200
