"""The step forms of the case page: which form each step shows and which service it calls.

A step is offered when the user may apply one of its transitions now (``workflow`` table and
the user's actions over the case). ``run`` parses nothing: the form has cleaned the input.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from minzheng.cases import forms as case_forms
from minzheng.cases import services, workflow
from minzheng.cases.models import Case

Run = Callable[[Case, Any, dict[str, Any], Any], Case]


@dataclass(frozen=True)
class Step:
    """One form of the case page."""

    label: str | Promise
    form: type[forms.Form]
    transitions: tuple[str, ...]
    action: str
    run: Run
    danger: bool = False
    collapsed: bool = False  # a step taken now and then: folded until opened


def _accept(case: Case, by: Any, data: dict[str, Any], form: Any) -> Case:
    if data["completeness"] == case_forms.AcceptForm.INCOMPLETE:
        return services.case_request_documents(
            case=case, by=by, expected_version=data["version"], missing=form.missing_items()
        )
    return services.case_accept(case=case, by=by, expected_version=data["version"])


def _review(case: Case, by: Any, data: dict[str, Any], form: Any) -> Case:
    return services.case_review(
        case=case,
        by=by,
        expected_version=data["version"],
        opinion=data["opinion"],
        recommendation=data["recommendation"],
        reason=data.get("reason", ""),
    )


def _decide(case: Case, by: Any, data: dict[str, Any], form: Any) -> Case:
    return services.case_decide(
        case=case,
        by=by,
        expected_version=data["version"],
        decision=data["decision"],
        reasons=data["reasons"],
        gradual_exit=bool(data.get("gradual_exit")),
    )


def _reason(service: Callable[..., Case]) -> Run:
    def run(case: Case, by: Any, data: dict[str, Any], form: Any) -> Case:
        return service(case=case, by=by, expected_version=data["version"], reason=data["reason"])

    return run


W, D = workflow.WORK, workflow.DECIDE

STEPS: dict[str, Step] = {
    "accept": Step(_("受理"), case_forms.AcceptForm, ("accept", "request_documents"), W, _accept),
    "start_check": Step(
        _("开始家庭经济状况核对"),
        case_forms.StepForm,
        ("start_check",),
        W,
        lambda c, by, d, f: services.case_start_check(case=c, by=by, expected_version=d["version"]),
    ),
    "finish_check": Step(
        _("核对完成"),
        case_forms.CheckForm,
        ("finish_check",),
        W,
        lambda c, by, d, f: services.case_finish_check(
            case=c, by=by, expected_version=d["version"], summary=d["summary"]
        ),
    ),
    "finish_visit": Step(
        _("入户调查完成"),
        case_forms.VisitForm,
        ("finish_visit",),
        W,
        lambda c, by, d, f: services.case_finish_visit(
            case=c,
            by=by,
            expected_version=d["version"],
            notes=d["notes"],
            visited_on=d["visited_on"],
        ),
    ),
    "review": Step(
        _("乡镇初审"), case_forms.ReviewForm, ("post_notice", "recommend_refusal"), W, _review
    ),
    "end_notice": Step(
        _("公示期满，报区县审核确认"),
        case_forms.EndNoticeForm,
        ("end_notice",),
        W,
        lambda c, by, d, f: services.case_end_notice(
            case=c, by=by, expected_version=d["version"], objections=d["objections"]
        ),
    ),
    "reinvestigate": Step(
        _("公示有异议，重新调查"),
        case_forms.ReasonForm,
        ("reinvestigate",),
        W,
        _reason(services.case_reinvestigate),
        collapsed=True,
    ),
    "decide": Step(_("审核确认"), case_forms.DecideForm, ("approve", "refuse"), D, _decide),
    "return_to_township": Step(
        _("退回乡镇补充调查"),
        case_forms.ReasonForm,
        ("return_to_township",),
        D,
        _reason(services.case_return_to_township),
        collapsed=True,
    ),
    "notify_refusal": Step(
        _("已书面告知不予救助"),
        case_forms.StepForm,
        ("notify_refusal", "notify_refusal_follow_up"),
        D,
        lambda c, by, d, f: services.case_notify_refusal(
            case=c, by=by, expected_version=d["version"]
        ),
    ),
    "start_exit": Step(
        _("进入渐退期"),
        case_forms.ReasonForm,
        ("start_exit",),
        D,
        _reason(services.case_start_exit),
    ),
    "stop_payment": Step(
        _("停止发放，退出救助"),
        case_forms.ReasonForm,
        ("stop_payment",),
        D,
        _reason(services.case_stop_payment),
        danger=True,
        collapsed=True,
    ),
    "finish_follow_up": Step(
        _("回访完成，办结"),
        case_forms.ReasonForm,
        ("finish_follow_up",),
        W,
        _reason(services.case_finish_follow_up),
    ),
    "withdraw": Step(
        _("终止办理"),
        case_forms.ReasonForm,
        ("withdraw",),
        W,
        _reason(services.case_withdraw),
        danger=True,
        collapsed=True,
    ),
    "extend": Step(
        _("延长办理期限（30→45 个工作日）"),
        case_forms.ReasonForm,
        (),
        D,
        _reason(services.case_extend),
        collapsed=True,
    ),
}


def offered(case: Case, allowed: list[workflow.Transition], may_decide: bool) -> list[str]:
    """The steps to show for ``case``: those with a transition the user may apply now."""
    names = {t.name for t in allowed}
    keys = [k for k, step in STEPS.items() if names.intersection(step.transitions)]
    overall_open = case.deadlines.filter(kind="overall", met_on__isnull=True).exists()
    if may_decide and not case.extended and overall_open:
        keys.append("extend")
    return keys
