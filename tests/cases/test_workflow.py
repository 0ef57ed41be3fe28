"""The case state machine: every legal transition from every source status, refusals of illegal
ones, guards, and optimistic concurrency (two people acting on one version)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from minzheng.audit.models import AuditEvent
from minzheng.cases import services, workflow
from minzheng.cases.models import Case, CaseDocument, CaseEvent
from minzheng.engine.parameters import ParameterDefinition, ParameterValue
from minzheng.policy import services as policy_services
from tests.cases import factories as f

pytestmark = pytest.mark.django_db

S = Case.Status
DAY = dt.date(2026, 11, 16)  # a Monday

# What each transition needs recorded to pass its guards (the step's own fields).
CHANGES: dict[str, dict[str, Any]] = {
    "request_documents": {"missing_documents": ["户口簿复印件", "收入证明"]},
    "accept": {"accepted_on": DAY},
    "finish_visit": {"visit_notes": "入户核实。", "visited_on": DAY},
    "post_notice": {
        "review_opinion": "拟予救助。",
        "notice_starts_on": DAY,
        "notice_ends_on": DAY + dt.timedelta(days=7),
    },
    "recommend_refusal": {"review_opinion": "收入超标。"},
}


def _set_gradual_exit(months: int) -> None:
    policy_services.load_parameters(
        definitions=[
            ParameterDefinition(
                name="dibao.gradual_exit.months",
                description="渐退期",
                unit="months",
                values=(ParameterValue(effective_from=dt.date(2018, 1, 1), value=months),),
            )
        ]
    )


def _case_in(status: str) -> Case:
    """A case put directly in ``status`` (test set-up: the table is what is tested)."""
    case = f.open_case()
    Case.objects.filter(pk=case.pk).update(
        status=status,
        accepted_on=DAY - dt.timedelta(days=10),
        notice_starts_on=DAY - dt.timedelta(days=8),
        notice_ends_on=DAY - dt.timedelta(days=1),
        review_opinion="拟予救助。",
        visit_notes="已入户。",
    )
    case.refresh_from_db()
    return case


LEGAL = [(t.name, source) for t in workflow.TRANSITIONS.values() for source in t.sources]


@pytest.mark.parametrize(("name", "source"), LEGAL, ids=[f"{n}-from-{s}" for n, s in LEGAL])
def test_every_legal_transition(name: str, source: str) -> None:
    transition = workflow.TRANSITIONS[name]
    case = _case_in(source)
    if name == "finish_check":
        services.document_upload(
            case=case, by=None, kind=CaseDocument.Kind.AUTHORISATION, upload=f.pdf_upload()
        )
    if name == "start_exit":
        _set_gradual_exit(3)
    events_before = AuditEvent.objects.filter(action=f"case.{name}").count()

    done = workflow.apply_transition(
        case=case,
        name=name,
        by=None,
        expected_version=case.version,
        reason="书面理由" if transition.needs_reason else "",
        changes=CHANGES.get(name, {}),
        on=DAY,
    )

    assert done.status == transition.target
    assert done.version == 2
    event = CaseEvent.objects.get(case=case, version=2)
    assert (event.transition, event.from_status, event.to_status) == (
        name,
        source,
        transition.target,
    )
    assert AuditEvent.objects.filter(action=f"case.{name}").count() == events_before + 1
    for kind in transition.opens:
        assert done.deadlines.get(kind=kind).met_on is None


ILLEGAL = [
    ("accept", S.CHECKING),
    ("approve", S.TOWNSHIP_REVIEW),
    ("refuse", S.IN_PAYMENT),
    ("post_notice", S.REGISTERED),
    ("stop_payment", S.COUNTY_DECISION),
    ("notify_refusal", S.CLOSED),
    ("withdraw", S.COUNTY_DECISION),
]


@pytest.mark.parametrize(("name", "source"), ILLEGAL)
def test_an_illegal_transition_is_refused_and_changes_nothing(name: str, source: str) -> None:
    case = _case_in(source)
    with pytest.raises(workflow.IllegalTransition) as raised:
        workflow.apply_transition(
            case=case, name=name, by=None, expected_version=case.version, reason="理由"
        )
    assert "不能执行" in raised.value.messages[0]
    case.refresh_from_db()
    assert (case.status, case.version) == (source, 1)
    assert CaseEvent.objects.filter(case=case).count() == 1  # the opening event only


def test_an_unknown_transition_is_refused() -> None:
    case = f.open_case()
    with pytest.raises(workflow.IllegalTransition):
        workflow.apply_transition(case=case, name="approve_everything", by=None, expected_version=1)


def test_a_transition_that_needs_a_reason_refuses_without_one() -> None:
    case = _case_in(S.COUNTY_DECISION)
    with pytest.raises(ValidationError) as raised:
        workflow.apply_transition(case=case, name="refuse", by=None, expected_version=1)
    assert "须填写理由" in str(raised.value)
    case.refresh_from_db()
    assert case.status == S.COUNTY_DECISION


def test_guards_say_what_is_missing() -> None:
    checking = _case_in(S.CHECKING)
    with pytest.raises(ValidationError, match="授权书"):
        services.case_finish_check(case=checking, by=None, expected_version=1, summary="无异常")
    registered = _case_in(S.REGISTERED)
    with pytest.raises(ValidationError, match="一次性列明"):
        services.case_request_documents(case=registered, by=None, expected_version=1, missing=[])
    notice = _case_in(S.PUBLIC_NOTICE)
    assert notice.notice_ends_on is not None
    with pytest.raises(ValidationError, match="公示期至"):
        services.case_end_notice(
            case=notice, by=None, expected_version=1, on=notice.notice_ends_on - dt.timedelta(1)
        )


def test_gradual_exit_is_refused_while_its_parameter_has_no_value() -> None:
    case = _case_in(S.IN_PAYMENT)
    with pytest.raises(ValidationError, match="渐退期参数"):
        services.case_start_exit(case=case, by=None, expected_version=1, reason="就业增收")
    case.refresh_from_db()
    assert case.status == S.IN_PAYMENT


def test_gradual_exit_runs_for_the_parameter_months_when_set() -> None:
    _set_gradual_exit(3)
    case = _case_in(S.IN_PAYMENT)
    done = services.case_start_exit(
        case=case, by=None, expected_version=1, reason="就业增收", on=dt.date(2026, 11, 16)
    )
    assert (done.status, done.exit_ends_on) == (S.EXITING, dt.date(2027, 2, 1))


def test_two_people_acting_on_one_version_one_wins_the_other_gets_a_conflict() -> None:
    worker_a, worker_b = f.worker(), f.worker()
    case = f.open_case(by=worker_a)
    seen_by_a = Case.objects.get(pk=case.pk)
    seen_by_b = Case.objects.get(pk=case.pk)

    services.case_accept(case=seen_by_a, by=worker_a, expected_version=seen_by_a.version, on=DAY)
    with pytest.raises(workflow.Conflict) as raised:
        services.case_request_documents(
            case=seen_by_b, by=worker_b, expected_version=seen_by_b.version, missing=["户口簿"]
        )

    assert "办理冲突" in raised.value.messages[0]
    assert "已保留" in raised.value.messages[0]
    assert raised.value.current.version == 2
    case.refresh_from_db()
    assert (case.status, case.version, case.missing_documents) == (S.ACCEPTED, 2, [])
    assert CaseEvent.objects.filter(case=case).count() == 2


def test_two_stale_versions_both_fail_after_a_third_acted() -> None:
    case = f.open_case()
    services.case_accept(case=case, by=None, expected_version=1, on=DAY)
    services.case_start_check(case=case, by=None, expected_version=2, on=DAY)
    for stale in (1, 2):
        with pytest.raises(workflow.Conflict):
            services.case_withdraw(case=case, by=None, expected_version=stale, reason="撤回")
    case.refresh_from_db()
    assert (case.status, case.version) == (S.CHECKING, 3)


def test_a_worker_without_the_action_over_the_case_may_not_act() -> None:
    case = f.open_case()
    outsider = f.worker(division=f.OTHER_COUNTY)
    with pytest.raises(ValidationError, match="没有办理该步骤的权限"):
        services.case_accept(case=case, by=outsider, expected_version=1)
    officer = f.officer()  # case.decide, not case.work
    with pytest.raises(ValidationError, match="没有办理该步骤的权限"):
        services.case_accept(case=case, by=officer, expected_version=1)


def test_one_case_in_procedure_per_household() -> None:
    household = f.elderly_household()
    first = services.case_open(household=household, by=None)
    with pytest.raises(ValidationError, match=first.number):
        services.case_open(household=household, by=None)


def test_missing_documents_are_listed_once_in_full_then_accepted() -> None:
    case = f.open_case()
    services.case_request_documents(
        case=case, by=None, expected_version=1, missing=["户口簿复印件", " ", "近 12 个月收入证明"]
    )
    assert (case.status, case.missing_documents) == (
        S.AWAITING_DOCUMENTS,
        ["户口簿复印件", "近 12 个月收入证明"],
    )
    services.case_accept(case=case, by=None, expected_version=2, on=DAY)
    assert (case.status, case.accepted_on) == (S.ACCEPTED, DAY)
