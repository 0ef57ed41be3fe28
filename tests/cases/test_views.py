"""The case pages: opening from the household page, the step forms (a conflict answers 409 and
keeps the input), uploads and referrals from the case page, worklists per role, the printable
notice with masked names, and the household timeline's case entries."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minzheng.cases import services
from minzheng.cases.models import Case, CaseDocument, Referral
from minzheng.registry import selectors as registry_selectors
from tests.cases import factories as f
from tests.monitoring import factories as mf
from tests.scope import make_scoped_user

pytestmark = pytest.mark.django_db


def _login(client: Client, user: object) -> Client:
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_the_household_page_offers_to_open_a_case_and_then_links_it(client: Client) -> None:
    worker = f.worker()
    household = f.elderly_household(name="周大山")
    _login(client, worker)
    page = client.get(
        reverse("registry:household_detail", args=[household.number])
    ).content.decode()
    assert 'data-testid="case-accept"' in page
    opened = client.post(
        reverse("cases:open", args=[household.number]),
        {"origin": "window", "programmes": ["dibao", "temporary_aid"], "origin_note": "老人独居"},
    )
    case = Case.objects.get(household=household)
    assert opened.status_code == 302
    assert (case.origin, case.programmes, case.opened_by) == (
        "window",
        ["dibao", "temporary_aid"],
        worker,
    )
    page = client.get(
        reverse("registry:household_detail", args=[household.number])
    ).content.decode()
    assert 'data-testid="case-in-procedure"' in page and case.number in page
    # Opening again goes to the case in procedure.
    again = client.get(reverse("cases:open", args=[household.number]))
    assert again["Location"] == reverse("cases:detail", args=[case.number])


def test_the_case_page_shows_the_steps_the_user_may_take(client: Client) -> None:
    worker = f.worker()
    case = f.open_case(f.elderly_household(name="吴桂芝"), by=worker)
    page = _login(client, worker).get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "吴桂芝" in page
    assert 'data-testid="step-accept"' in page and 'data-testid="step-withdraw"' in page
    assert 'data-testid="step-decide"' not in page
    viewer = make_scoped_user(("case.view",), division=f.TOWNSHIP)
    page = (
        _login(Client(), viewer).get(reverse("cases:detail", args=[case.number])).content.decode()
    )
    assert 'data-testid="step-accept"' not in page
    assert "当前步骤不由您办理" in page


def test_a_step_posted_on_a_stale_version_answers_409_and_keeps_the_input(client: Client) -> None:
    first, second = f.worker(), f.worker()
    case = f.open_case(by=first)
    url = reverse("cases:step", args=[case.number, "accept"])
    ok = _login(Client(), first).post(url, {"version": 1, "completeness": "complete"})
    assert ok.status_code == 302

    late = _login(client, second).post(
        url, {"version": 1, "completeness": "incomplete", "missing": "户口簿复印件\n残疾证复印件"}
    )
    page = late.content.decode()
    assert late.status_code == 409
    assert "办理冲突" in page and "您填写的内容已保留" in page
    case.refresh_from_db()
    assert (case.status, case.version, case.missing_documents) == ("accepted", 2, [])


def test_a_conflict_keeps_the_input_on_a_still_open_step(client: Client) -> None:
    first, second = f.worker(), f.worker()
    case = f.open_case(by=first)
    services.case_accept(case=case, by=first, expected_version=1)
    services.case_start_check(case=case, by=first, expected_version=2)
    services.document_upload(
        case=case, by=first, kind=CaseDocument.Kind.AUTHORISATION, upload=f.pdf_upload()
    )
    services.case_extend(case=case, by=None, expected_version=3, reason="跨省核对")  # version 4
    response = _login(client, second).post(
        reverse("cases:step", args=[case.number, "finish_check"]),
        {"version": 3, "summary": "车辆、房产、工商均无登记；存款 3000 元。"},
    )
    page = response.content.decode()
    assert response.status_code == 409
    assert "车辆、房产、工商均无登记；存款 3000 元。" in page
    # The form now carries the current version: submitting again, on purpose, succeeds.
    assert re.search(r'name="version" value="4"', page)
    again = client.post(
        reverse("cases:step", args=[case.number, "finish_check"]),
        {"version": 4, "summary": "车辆、房产、工商均无登记；存款 3000 元。"},
    )
    assert again.status_code == 302
    case.refresh_from_db()
    assert case.status == "visiting"


def test_a_step_with_a_missing_field_answers_400_with_the_reason(client: Client) -> None:
    worker = f.worker()
    case = f.open_case(by=worker)
    response = _login(client, worker).post(
        reverse("cases:step", args=[case.number, "accept"]),
        {"version": 1, "completeness": "incomplete", "missing": ""},
    )
    assert response.status_code == 400
    assert "一次性列明" in response.content.decode()


def test_uploads_and_referrals_from_the_case_page(client: Client) -> None:
    worker = f.worker()
    case = f.open_case(by=worker)
    _login(client, worker)
    upload = client.post(
        reverse("cases:document_upload", args=[case.number]),
        {"kind": "visit_photo", "file": f.png_upload(), "note": "卧室"},
    )
    assert upload.status_code == 302
    bad = client.post(
        reverse("cases:document_upload", args=[case.number]),
        {"kind": "visit_photo", "file": f.pdf_upload("照片.pdf")},
    )
    assert bad.status_code == 400 and "只接受" in bad.content.decode()

    url = reverse("cases:referral_create", args=[case.number])
    charity = f.charity()
    without = client.post(url, {"kind": "charity", "to_org_unit": charity.pk, "need": "助学"})
    assert without.status_code == 400 and "同意书" in without.content.decode()
    with_consent = client.post(
        url,
        {
            "kind": "charity",
            "to_org_unit": charity.pk,
            "need": "助学",
            "consent_file": f.pdf_upload(),
        },
    )
    assert with_consent.status_code == 302
    referral = Referral.objects.get(case=case)
    assert referral.consent_document is not None
    assert referral.due_on > timezone.localdate()


def test_worklists_per_role(client: Client) -> None:
    worker, officer = f.worker(), f.officer()
    waiting = f.open_case(f.elderly_household(name="郑待办"), by=worker)
    deciding = f.walk(
        f.open_case(f.elderly_household(name="郑待审"), by=worker),
        Case.Status.COUNTY_DECISION,
        by=worker,
        county=officer,
    )
    township = _login(Client(), worker).get(reverse("cases:worklist")).content.decode()
    assert 'data-testid="township-tasks"' in township
    assert waiting.number in township and deciding.number not in township
    county = _login(Client(), officer).get(reverse("cases:worklist")).content.decode()
    assert 'data-testid="county-decisions"' in county and deciding.number in county
    assert 'data-testid="overdue-townships"' in county
    city = _login(client, make_scoped_user(("case.view",), division="500000"))
    page = city.get(reverse("cases:worklist")).content.decode()
    assert 'data-testid="overdue-counties"' in page
    assert "万州区" in page  # the decision limit of the case above ran out long ago


def test_the_partner_worklist_shows_only_its_waiting_referrals(client: Client) -> None:
    agency = f.agency()
    mine = f.refer(f.open_case(f.elderly_household(name="王转介")), agency, need="甲需求")
    f.refer(f.open_case(f.elderly_household(name="王别家")), f.charity(), need="乙需求")
    page = _login(client, f.unit_user(agency)).get(reverse("cases:referral_list")).content.decode()
    assert "甲需求" in page and "乙需求" not in page
    detail = client.get(reverse("cases:referral_detail", args=[mine.pk]))
    assert detail.status_code == 200
    answered = client.post(
        reverse("cases:referral_answer", args=[mine.pk]), {"action": "accept", "version": 1}
    )
    assert answered.status_code == 302
    mine.refresh_from_db()
    assert mine.status == "accepted"


def test_the_notice_masks_names_and_id_numbers(client: Client) -> None:
    worker = f.worker()
    case = f.open_case(f.elderly_household(name="张三丰"), by=worker)
    today = timezone.localdate()
    Case.objects.filter(pk=case.pk).update(
        status=Case.Status.PUBLIC_NOTICE,
        notice_starts_on=today - dt.timedelta(days=1),
        notice_ends_on=today + dt.timedelta(days=6),
    )
    page = (
        _login(client, worker).get(reverse("cases:notice_print", args=[f.VILLAGE])).content.decode()
    )
    head = case.household.head
    assert head is not None
    assert "张*丰" in page and "张三丰" not in page
    assert head.id_number_masked in page
    assert re.search(r"\d{17}[\dX]", page) is None  # no full ID number anywhere
    listing = client.get(reverse("cases:notice_list")).content.decode()
    assert "东方广场社区" in listing


def test_the_household_timeline_shows_the_case_steps_referrals_and_payments() -> None:
    worker = f.worker()
    household = f.elderly_household(name="冯时间")
    case = f.open_case(household, by=worker)
    services.case_accept(case=case, by=worker, expected_version=1)
    f.refer(case, f.agency(), by=worker)
    entries = registry_selectors.household_timeline(household=household)
    case_entries = [e for e in entries if e.category in ("case", "referral")]
    titles = [e.title for e in case_entries]
    assert any("登记" in t for t in titles) and any("受理" in t for t in titles)
    assert any("转介医疗救助" in t for t in titles)
    assert all(e.url == reverse("cases:detail", args=[case.number]) for e in case_entries)


def test_the_alert_page_shows_the_button_to_open_a_case(client: Client) -> None:
    user = make_scoped_user(("case.work", "monitoring.view", "alert.handle"), division=f.TOWNSHIP)
    alert = mf.alert(f.elderly_household())
    page = _login(client, user).get(reverse("monitoring:alert_detail", args=[alert.pk])).content
    assert 'data-testid="alert-to-case"' in page.decode()
