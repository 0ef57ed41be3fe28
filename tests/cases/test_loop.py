"""The whole loop through the pages: a discovery alert becomes a case, the township accepts,
checks (authorisation uploaded), visits (photo uploaded), reviews and posts the notice; the county
decides (amount from the engine) and the first payment is due; a referral to a charity is answered
by the charity's user; every step is on the household timeline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from minzheng.cases.models import Case, Payment, Referral
from minzheng.monitoring.models import Alert
from minzheng.registry import selectors as registry_selectors
from tests.cases import factories as f
from tests.monitoring import factories as mf
from tests.scope import make_scoped_user

pytestmark = pytest.mark.django_db


def _post(client: Client, url: str, data: dict[str, object]) -> None:
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]


def test_from_alert_to_payment_with_a_charity_referral() -> None:
    worker = make_scoped_user(
        ("case.view", "case.work", "household.view", "monitoring.view", "alert.handle"),
        division=f.TOWNSHIP,
    )
    officer = f.officer()
    charity = f.charity()
    charity_user = f.unit_user(charity)
    household = f.elderly_household(name="黄阿婆", spouse=False, age=68)
    alert = mf.alert(household, text="符合特困供养条件但未纳入")

    township = Client()
    township.force_login(worker)
    _post(township, reverse("cases:from_alert", args=[alert.pk]), {})
    case = Case.objects.get(household=household)
    step = lambda name: reverse("cases:step", args=[case.number, name])  # noqa: E731

    def version() -> int:
        case.refresh_from_db()
        return case.version

    _post(township, step("accept"), {"version": version(), "completeness": "complete"})
    _post(township, step("start_check"), {"version": version()})
    _post(
        township,
        reverse("cases:document_upload", args=[case.number]),
        {"kind": "authorisation", "file": f.pdf_upload()},
    )
    _post(township, step("finish_check"), {"version": version(), "summary": "无车无房无存款"})
    _post(
        township,
        reverse("cases:document_upload", args=[case.number]),
        {"kind": "visit_photo", "file": f.png_upload()},
    )
    _post(
        township,
        step("finish_visit"),
        {"version": version(), "visited_on": dt.date.today().isoformat(), "notes": "独居，无子女"},
    )
    _post(
        township,
        step("review"),
        {"version": version(), "recommendation": "approve", "opinion": "符合特困条件"},
    )
    case.refresh_from_db()
    assert case.status == Case.Status.PUBLIC_NOTICE
    notice = township.get(reverse("cases:notice_print", args=[f.VILLAGE])).content.decode()
    assert "黄*婆" in notice
    # The 7 days pass.
    Case.objects.filter(pk=case.pk).update(
        notice_starts_on=dt.date.today() - dt.timedelta(days=8),
        notice_ends_on=dt.date.today() - dt.timedelta(days=1),
    )
    _post(township, step("end_notice"), {"version": version(), "objections": ""})
    _post(
        township,
        reverse("cases:referral_create", args=[case.number]),
        {
            "kind": "charity",
            "to_org_unit": charity.pk,
            "need": "冬季取暖物资",
            "consent_file": f.pdf_upload("同意书.pdf"),
        },
    )

    county = Client()
    county.force_login(officer)
    page = county.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert 'data-testid="assessment-preview"' in page
    _post(
        county,
        step("decide"),
        {"version": version(), "decision": "approved", "reasons": "符合特困人员认定条件"},
    )
    case.refresh_from_db()
    assert (case.status, case.monthly_amount) == (Case.Status.IN_PAYMENT, Decimal("1001.00"))
    assert case.decided_on is not None
    assert Payment.objects.get(case=case).month == case.decided_on.replace(day=1)

    referral = Referral.objects.get(case=case)
    partner = Client()
    partner.force_login(charity_user)
    for action, text in (("accept", ""), ("start", ""), ("finish", "已送棉被两床、取暖器一台")):
        referral.refresh_from_db()
        _post(
            partner,
            reverse("cases:referral_answer", args=[referral.pk]),
            {"action": action, "version": referral.version, "text": text},
        )
    referral.refresh_from_db()
    assert (referral.status, referral.outcome) == ("done", "已送棉被两床、取暖器一台")

    alert.refresh_from_db()
    assert alert.status == Alert.Status.CONVERTED and alert.case_id == case.pk
    categories = {e.category for e in registry_selectors.household_timeline(household=household)}
    assert {"alert", "case", "case_document", "referral", "payment"} <= categories
