"""Referrals: consent for charities, the lifecycle sent → accepted → in progress → done/declined,
the receiving unit seeing only its own (org-unit scope), escalation, and no closing a case while
a referral has no outcome."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from minzheng.accounts.scope import restrict
from minzheng.audit.models import AuditEvent
from minzheng.cases import services, workflow
from minzheng.cases.models import Case, CaseDocument, Referral, ReferralEvent
from tests.cases import factories as f

pytestmark = pytest.mark.django_db


def test_a_charity_referral_needs_the_households_signed_consent() -> None:
    case = f.open_case()
    charity = f.charity()
    with pytest.raises(ValidationError, match="同意书"):
        services.referral_send(
            case=case, by=None, to_org_unit=charity, kind=Referral.Kind.CHARITY, need="助学"
        )
    referral = f.refer(case, charity)
    assert referral.consent_document is not None
    assert referral.consent_document.kind == CaseDocument.Kind.CONSENT
    assert Referral.objects.filter(case=case).count() == 1


def test_a_kind_goes_only_to_its_kind_of_unit() -> None:
    case = f.open_case()
    with pytest.raises(ValidationError, match="只能转介给"):
        services.referral_send(
            case=case, by=None, to_org_unit=f.charity(), kind=Referral.Kind.MEDICAL, need="住院"
        )


def test_referral_lifecycle_to_done_with_an_outcome() -> None:
    worker = f.worker()
    case = f.open_case(by=worker)
    agency = f.agency()
    officer = f.unit_user(agency)
    referral = f.refer(case, agency, by=worker)
    assert (referral.status, referral.due_on > dt.date(2026, 1, 1)) == ("sent", True)

    for name, text in (("accept", ""), ("start", ""), ("finish", "已纳入医疗救助，报销 3200 元。")):
        services.referral_act(
            referral=referral, by=officer, name=name, expected_version=referral.version, text=text
        )
    referral.refresh_from_db()
    assert (referral.status, referral.outcome, referral.answered_by) == (
        "done",
        "已纳入医疗救助，报销 3200 元。",
        officer,
    )
    assert list(referral.events.values_list("to_status", flat=True)) == [
        "sent",
        "accepted",
        "in_progress",
        "done",
    ]
    assert (
        AuditEvent.objects.filter(action="referral.finish", object_id=str(referral.pk)).count() == 1
    )


def test_a_decline_needs_a_reason_and_ends_the_referral() -> None:
    case = f.open_case()
    agency = f.agency()
    referral = f.refer(case, agency)
    user = f.unit_user(agency)
    with pytest.raises(ValidationError, match="须填写"):
        services.referral_act(referral=referral, by=user, name="decline", expected_version=1)
    services.referral_act(
        referral=referral, by=user, name="decline", expected_version=1, text="不属于本部门职责"
    )
    assert (referral.status, referral.outcome, referral.is_open) == (
        "declined",
        "不属于本部门职责",
        False,
    )


def test_an_illegal_referral_step_is_refused() -> None:
    referral = f.refer(f.open_case(), f.agency())
    with pytest.raises(workflow.IllegalTransition):
        services.referral_act(
            referral=referral, by=None, name="finish", expected_version=1, text="办结"
        )  # finish needs accepted or in progress


def test_two_answers_on_one_version_conflict() -> None:
    referral = f.refer(f.open_case(), f.agency())
    stale = Referral.objects.get(pk=referral.pk)
    services.referral_act(referral=referral, by=None, name="accept", expected_version=1)
    with pytest.raises(workflow.Conflict):
        services.referral_act(
            referral=stale, by=None, name="decline", expected_version=1, text="不受理"
        )
    referral.refresh_from_db()
    assert (referral.status, referral.version) == ("accepted", 2)


def test_the_receiving_unit_sees_only_what_is_referred_to_it() -> None:
    case = f.open_case()
    mine, theirs = f.charity("charity-a", "甲慈善会"), f.charity("charity-b", "乙慈善会")
    to_mine = f.refer(case, mine, need="甲会承接：助学金")
    to_theirs = f.refer(case, theirs, need="乙会承接：助医")
    user = f.unit_user(mine)

    visible = restrict(Referral.objects.all(), user, "referral.answer")
    assert list(visible) == [to_mine]
    # The org-unit scope applies to referral.answer only; other actions keep the division path.
    assert restrict(Referral.objects.all(), user, "case.view").count() == 0

    client = Client()
    client.force_login(user)
    assert client.get(reverse("cases:referral_detail", args=[to_mine.pk])).status_code == 200
    assert client.get(reverse("cases:referral_detail", args=[to_theirs.pk])).status_code == 404
    listed = client.get(reverse("cases:referral_list")).content.decode()
    assert ("甲会承接" in listed, "乙会承接" in listed) == (True, False)
    assert client.get(reverse("cases:detail", args=[case.number])).status_code == 404
    api = client.get(f"/api/cases/referrals/{to_theirs.pk}")
    assert api.status_code == 404
    answered = client.post(
        f"/api/cases/referrals/{to_theirs.pk}/answer",
        {"action": "accept", "version": 1},
        content_type="application/json",
    )
    assert answered.status_code == 404
    to_theirs.refresh_from_db()
    assert to_theirs.status == "sent"


def test_a_user_without_an_org_unit_sees_no_referral() -> None:
    referral = f.refer(f.open_case(), f.agency())
    user = f.unit_user(referral.to_org_unit)
    user.org_unit = None
    user.save()
    assert restrict(Referral.objects.all(), user, "referral.answer").count() == 0


def test_the_charity_answers_by_api_and_a_stale_version_gets_409() -> None:
    charity = f.charity()
    referral = f.refer(f.open_case(), charity)
    client = Client()
    client.force_login(f.unit_user(charity))
    url = f"/api/cases/referrals/{referral.pk}/answer"
    first = client.post(url, {"action": "accept", "version": 1}, content_type="application/json")
    assert (first.status_code, first.json()["status"], first.json()["version"]) == (
        200,
        "accepted",
        2,
    )
    stale = client.post(
        url, {"action": "decline", "version": 1, "text": "x"}, content_type="application/json"
    )
    assert stale.status_code == 409
    done = client.post(
        url,
        {"action": "finish", "version": 2, "text": "资助学费 2000 元"},
        content_type="application/json",
    )
    assert (done.status_code, done.json()["outcome"]) == (200, "资助学费 2000 元")


def test_a_case_cannot_close_while_a_referral_has_no_outcome() -> None:
    case = f.open_case()
    referral = f.refer(case, f.agency())
    with pytest.raises(ValidationError, match="转介未反馈"):
        services.case_withdraw(case=case, by=None, expected_version=1, reason="申请人撤回")
    case.refresh_from_db()
    assert case.status == Case.Status.REGISTERED
    services.referral_act(
        referral=referral, by=None, name="withdraw", expected_version=1, text="撤回"
    )
    services.case_withdraw(case=case, by=None, expected_version=1, reason="申请人撤回")
    assert case.status == Case.Status.CLOSED


def test_overdue_referrals_escalate_once() -> None:
    case = f.open_case()
    referral = services.referral_send(
        case=case,
        by=None,
        to_org_unit=f.agency(),
        kind=Referral.Kind.MEDICAL,
        need="住院",
        due_on=dt.date(2030, 1, 1),
    )
    Referral.objects.filter(pk=referral.pk).update(due_on=dt.date(2026, 11, 2))
    today = dt.date(2026, 11, 20)
    assert services.referrals_check(today=today) == 1
    assert services.referrals_check(today=today) == 0
    referral.refresh_from_db()
    assert referral.escalated_at is not None
    assert AuditEvent.objects.filter(action="referral.escalate").count() == 1


def test_the_sending_township_withdraws_from_the_case_page(client: Client) -> None:
    worker = f.worker()
    case = f.open_case(by=worker)
    referral = f.refer(case, f.agency(), by=worker)
    client.force_login(worker)
    response = client.post(
        reverse("cases:referral_withdraw", args=[case.number, referral.pk]),
        {"action": "withdraw", "version": 1, "text": "需求已由其他渠道解决"},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.outcome) == ("withdrawn", "需求已由其他渠道解决")
    assert ReferralEvent.objects.filter(referral=referral, to_status="withdrawn").count() == 1
