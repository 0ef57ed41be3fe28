"""The county decision: programmes and amount from the engine with the parameters in force, the
explanation attached, enrolments recorded in the registry, the first payment, the re-check date
by household type; refusals in writing; re-check cases and what their outcome does."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from minzheng.cases import services
from minzheng.cases.assessment import assess_household
from minzheng.cases.models import Case, Payment
from minzheng.registry import selectors as registry_selectors
from tests.cases import factories as f

pytestmark = pytest.mark.django_db

S = Case.Status


@pytest.fixture
def people() -> tuple[object, object]:
    return f.worker(), f.officer()


def test_approval_takes_programmes_and_amount_from_the_engine(
    people: tuple[object, object],
) -> None:
    worker, officer = people
    household = f.elderly_household(spouse=False, age=64)
    case = f.walk(f.open_case(household, by=worker), S.IN_PAYMENT, by=worker, county=officer)

    granted = {p["programme"]: p for p in case.approved_programmes}
    explanation = case.explanation
    assert case.status == S.IN_PAYMENT
    assert case.decision == Case.Decision.APPROVED
    # A 64-year-old living alone with no income or supporter: 特困 (1.3 × the urban standard of
    # 770 in force in November 2026); 低保 is not paid on top of it.
    assert "tekun" in granted
    assert "dibao" not in granted
    assert "dibao" in explanation["excluded"]
    assert case.monthly_amount == Decimal(granted["tekun"]["monthly_amount"])
    assert case.monthly_amount == Decimal("1001.00")
    assert explanation["explanations"]["tekun"]["programme"] == "tekun"
    assert any(
        p["name"] == "dibao.standard.urban"
        for p in explanation["explanations"]["tekun"]["parameters"]
    )
    assert case.decided_on is not None
    assert case.payment_start_month == case.decided_on.replace(day=1)
    assert list(Payment.objects.filter(case=case).values_list("month", "amount")) == [
        (case.payment_start_month, Decimal("1001.00"))
    ]
    enrolments = registry_selectors.household_facts(household, "enrolment")
    assert list(enrolments.values_list("programme", "monthly_amount", "start_date")) == [
        ("tekun", Decimal("1001.00"), case.decided_on)
    ]
    # Elderly household: re-checked yearly (dibao.recheck.stable_months = 12).
    assert case.next_recheck_on == dt.date(
        case.decided_on.year + 1, case.decided_on.month, case.decided_on.day
    )


def test_a_couple_gets_dibao_for_two(people: tuple[object, object]) -> None:
    worker, officer = people
    head = f.rf.person(None, name="陈建华", birth=dt.date(1978, 4, 1), work_capacity="full")
    household = f.rf.household(None, head=head, on=f.SINCE)
    wife = f.rf.person(None, name="刘芳", birth=dt.date(1980, 2, 1), sex="F", work_capacity="full")
    f.registry_services.member_add(
        by=None, household=household, person=wife, relation="spouse", on=f.SINCE
    )
    case = f.walk(f.open_case(household, by=worker), S.IN_PAYMENT, by=worker, county=officer)
    assert [p["programme"] for p in case.approved_programmes if p["monthly_amount"] != "0.00"] == [
        "dibao"
    ]
    assert case.monthly_amount == Decimal("1540.00")  # (770 − 0) × 2
    # Two adults who can work: re-checked every six months.
    assert case.next_recheck_on is not None
    assert case.decided_on is not None
    assert (case.next_recheck_on.year * 12 + case.next_recheck_on.month) - (
        case.decided_on.year * 12 + case.decided_on.month
    ) == 6


def test_approval_is_refused_when_the_engine_finds_nothing(people: tuple[object, object]) -> None:
    worker, officer = people
    case = f.walk(
        f.open_case(f.wealthy_household(), by=worker), S.COUNTY_DECISION, by=worker, county=officer
    )
    with pytest.raises(ValidationError, match="不符合任何救助项目"):
        services.case_decide(
            case=case,
            by=officer,
            expected_version=case.version,
            decision=Case.Decision.APPROVED,
            reasons="同意",
        )
    case.refresh_from_db()
    assert case.status == S.COUNTY_DECISION


def test_refusal_with_written_reasons_then_notice(people: tuple[object, object]) -> None:
    worker, officer = people
    case = f.walk(
        f.open_case(f.wealthy_household(), by=worker), S.COUNTY_DECISION, by=worker, county=officer
    )
    decided = services.case_decide(
        case=case,
        by=officer,
        expected_version=case.version,
        decision=Case.Decision.REFUSED,
        reasons="家庭人均收入高于当地低保标准。",
        on=dt.date(2026, 11, 20),
    )
    assert (decided.status, decided.monthly_amount, decided.decision_reasons) == (
        S.REFUSED,
        None,
        "家庭人均收入高于当地低保标准。",
    )
    assert decided.explanation["programmes"]
    assert Payment.objects.filter(case=case).count() == 0
    services.case_notify_refusal(case=case, by=officer, expected_version=decided.version)
    assert (case.status, case.refusal_notified_on is not None) == (S.CLOSED, True)


def test_a_refusal_with_an_open_referral_waits_in_follow_up(people: tuple[object, object]) -> None:
    worker, officer = people
    case = f.walk(
        f.open_case(f.wealthy_household(), by=worker), S.COUNTY_DECISION, by=worker, county=officer
    )
    referral = f.refer(case, f.charity(), by=worker)
    services.case_decide(
        case=case, by=officer, expected_version=case.version, decision="refused", reasons="收入超标"
    )
    services.case_notify_refusal(case=case, by=officer, expected_version=case.version)
    assert case.status == S.FOLLOW_UP
    with pytest.raises(ValidationError, match="转介未反馈"):
        services.case_finish_follow_up(
            case=case, by=worker, expected_version=case.version, reason="回访完成"
        )
    services.referral_act(referral=referral, by=None, name="accept", expected_version=1)
    services.referral_act(
        referral=referral, by=None, name="finish", expected_version=2, text="资助 1000 元"
    )
    services.case_finish_follow_up(
        case=case, by=worker, expected_version=case.version, reason="慈善帮扶已到位"
    )
    assert case.status == S.CLOSED


def test_a_due_recheck_opens_a_case_whose_approval_supersedes_the_old_one(
    people: tuple[object, object],
) -> None:
    worker, officer = people
    household = f.elderly_household(spouse=False, age=64)
    old = f.walk(f.open_case(household, by=worker), S.IN_PAYMENT, by=worker, county=officer)
    referral = f.refer(old, f.agency(), by=worker)
    assert old.next_recheck_on is not None

    assert services.rechecks_open(today=old.next_recheck_on - dt.timedelta(days=1)) == 0
    assert services.rechecks_open(today=old.next_recheck_on) == 1
    assert services.rechecks_open(today=old.next_recheck_on) == 0  # one at a time
    recheck = Case.objects.get(previous_case=old)
    assert (recheck.origin, recheck.status) == (Case.Origin.RECHECK, S.ACCEPTED)

    start = dt.date(2026, 11, 2)
    recheck = f.walk(recheck, S.IN_PAYMENT, by=worker, county=officer, start=start)
    old.refresh_from_db()
    referral.refresh_from_db()
    assert (old.status, recheck.status) == (S.CLOSED, S.IN_PAYMENT)
    assert "接续" in old.close_reason
    assert referral.case_id == recheck.pk  # open referrals follow the household's new case
    tekun = registry_selectors.household_facts(household, "enrolment").filter(programme="tekun")
    assert tekun.filter(end_date__isnull=True).count() == 1


def test_a_refused_recheck_stops_the_old_payment(people: tuple[object, object]) -> None:
    worker, officer = people
    household = f.elderly_household(spouse=False, age=64)
    old = f.walk(f.open_case(household, by=worker), S.IN_PAYMENT, by=worker, county=officer)
    assert old.next_recheck_on is not None
    services.rechecks_open(today=old.next_recheck_on)
    recheck = f.walk(
        Case.objects.get(previous_case=old), S.COUNTY_DECISION, by=worker, county=officer
    )
    services.case_decide(
        case=recheck,
        by=officer,
        expected_version=recheck.version,
        decision="refused",
        reasons="已由子女赡养",
    )
    old.refresh_from_db()
    assert old.status == S.CLOSED
    standing = registry_selectors.household_facts(household, "enrolment")
    assert standing.filter(end_date__isnull=True).count() == 0


def test_the_assessment_says_why_in_words() -> None:
    assessment = assess_household(
        household=f.wealthy_household(), as_of=dt.date(2026, 11, 16), explain_programmes=()
    )
    dibao = next(p for p in assessment.programmes if p.programme == "dibao")
    assert dibao.status == "ineligible"
    assert any(text.startswith("不满足：") for text in dibao.reasons)
    assert all(":" not in text for text in dibao.reasons)
