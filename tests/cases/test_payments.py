"""The monthly payment roll per county: one row per paying case (approved, in payment or in
gradual exit), generated once per case and month; as a page and as .xlsx."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from minzheng.cases import exports, selectors, services
from minzheng.cases.models import Case, Payment
from minzheng.divisions.models import Division
from tests.cases import factories as f

pytestmark = pytest.mark.django_db

MONTH = dt.date(2026, 11, 1)


def _paying(
    name: str,
    amount: str,
    *,
    village: str = f.VILLAGE,
    status: str = "in_payment",
    **fields: object,
) -> Case:
    """A case approved in October (set directly: the decision is tested in test_decisions)."""
    case = f.open_case(f.elderly_household(name=name, village=village, spouse=False))
    Case.objects.filter(pk=case.pk).update(
        status=status,
        decision=Case.Decision.APPROVED,
        decided_on=dt.date(2026, 10, 15),
        monthly_amount=Decimal(amount),
        payment_start_month=dt.date(2026, 10, 1),
        approved_programmes=[{"programme": "tekun", "label": "特困", "monthly_amount": amount}],
        **fields,
    )
    case.refresh_from_db()
    return case


def test_the_roll_has_one_row_per_paying_case_of_the_county() -> None:
    paying = [_paying("孙一", "1001.00"), _paying("孙二", "1540.00")]
    _paying("孙三", "800.00", status="exiting", exit_ends_on=dt.date(2026, 12, 1))
    _paying("孙四", "800.00", status="exiting", exit_ends_on=dt.date(2026, 10, 1))  # ended
    _paying("孙五", "900.00", status="closed")
    _paying("外县", "900.00", village=f.OTHER_VILLAGE)

    created = services.payments_generate(month=MONTH, by=None)
    assert created == 4  # three in 万州区, one in 巫山县
    assert services.payments_generate(month=MONTH, by=None) == 0

    officer = f.officer()
    county = Division.objects.get(code=f.COUNTY)
    rows = selectors.payment_roll(user=officer, county=county, month=MONTH)
    assert sorted(r.head_name for r in rows) == ["孙一", "孙三", "孙二"]
    assert sum(r.amount for r in rows) == Decimal("3341.00")
    assert {r.case_number for r in rows} >= {c.number for c in paying}

    book = load_workbook(
        io.BytesIO(exports.payment_roll_xlsx(county_name="万州区", month=MONTH, rows=rows))
    )
    sheet = book.active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0].startswith("万州区 2026年11月")
    assert values[1][0] == "序号"
    body = values[2:-1]
    assert len(body) == len(rows) == 3
    assert [r[3] for r in body] == [r.head_name for r in rows]
    assert values[-1][0] == "合计" and Decimal(str(values[-1][9])) == Decimal("3341.00")


def test_the_roll_page_downloads_xlsx_for_the_officers_county(client: Client) -> None:
    _paying("李甲", "1001.00")
    officer = f.officer()
    client.force_login(officer)
    url = reverse("cases:payment_roll")
    page = client.get(url, {"county": f.COUNTY, "month": "2026-11"})
    assert page.status_code == 200
    assert "李甲" in page.content.decode()
    download = client.get(url, {"county": f.COUNTY, "month": "2026-11", "format": "xlsx"})
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    sheet = load_workbook(io.BytesIO(download.content)).active
    assert [row[3] for row in sheet.iter_rows(min_row=3, values_only=True)][:-1] == ["李甲"]
    other = client.get(url, {"county": f.OTHER_COUNTY, "month": "2026-11"})
    assert "李甲" not in other.content.decode()
    assert Payment.objects.count() == 1
