"""Worklists per role, and the receiving unit's referral pages.

One page (``cases:worklist``) shows the sections the user's actions call for: the township's
tasks by deadline (with the alerts worklist beside), the county's decisions and overdue
townships, the city's overdue counts by county (chart). Partner agencies and charities work from
``cases:referral_list``: only what is referred to their unit.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from minzheng.accounts.decorators import action_required
from minzheng.accounts.scope import active_assignments, can
from minzheng.cases import forms as case_forms
from minzheng.cases import selectors as case_selectors
from minzheng.cases import services, workflow
from minzheng.cases.models import Referral

VIEW, WORK, DECIDE, ANSWER = (
    case_selectors.VIEW,
    case_selectors.WORK,
    case_selectors.DECIDE,
    case_selectors.ANSWER,
)
# The monitoring app's alerts worklist, linked from the township's (when that app is installed).
ALERTS_URL_NAME = "monitoring:alert_list"
ALERTS_ACTION = "monitoring.view"


def _alerts_url() -> str:
    try:
        return reverse(ALERTS_URL_NAME)
    except NoReverseMatch:
        return ""


@action_required(VIEW)
def worklist(request: HttpRequest) -> HttpResponse:
    """待办: the sections of the user's role(s)."""
    user = request.user
    today = timezone.localdate()
    city_wide = any(a.division.level == "city" for a in active_assignments(user, VIEW))
    context: dict[str, object] = {
        "today": today,
        "alerts_url": _alerts_url() if can(user, ALERTS_ACTION) else "",
        "may_export": can(user, case_selectors.EXPORT),
    }
    if can(user, WORK):
        context["tasks"] = case_selectors.township_tasks(user, today)
        context["overdue_sent"] = case_selectors.referrals_overdue_sent(user, today)
    if can(user, DECIDE):
        context["decisions"] = case_selectors.county_decisions(user, today)
        context["townships"] = case_selectors.overdue_townships(user, today)
    if city_wide:
        counties = case_selectors.overdue_counties(user, today)
        context["counties"] = counties
        context["chart"] = {
            "names": [r.name for r in counties],
            "deadlines": [r.deadlines for r in counties],
            "referrals": [r.referrals for r in counties],
        }
    if not any(k in context for k in ("tasks", "decisions", "counties")):
        context["escalated"] = case_selectors.escalated_cases(user, today)
        context["recent"] = list(case_selectors.cases_visible(user).order_by("-opened_at")[:50])
    return render(request, "cases/worklist.html", context)


@action_required(ANSWER)
def referral_list(request: HttpRequest) -> HttpResponse:
    """转介事项: referrals addressed to the user's unit, open first, nearest deadline first."""
    referrals = case_selectors.referrals_to_answer(request.user)
    show = request.GET.get("show", "open")
    if show == "open":
        referrals = referrals.filter(status__in=Referral.OPEN_STATUSES)
    return render(
        request,
        "cases/referral_list.html",
        {
            "referrals": referrals.order_by("due_on", "sent_at")[:500],
            "show": show,
            "today": timezone.localdate(),
        },
    )


def _referral_page(
    request: HttpRequest,
    referral: Referral,
    form: case_forms.ReferralAnswerForm | None = None,
    status: int = 200,
) -> HttpResponse:
    choices = [
        (t.name, t.label) for t in workflow.referral_transitions_from(referral.status, ANSWER)
    ]
    if form is None:
        form = case_forms.ReferralAnswerForm(initial={"version": referral.version})
    form.fields["action"].choices = choices  # type: ignore[attr-defined]
    return render(
        request,
        "cases/referral_detail.html",
        {
            "referral": referral,
            "form": form,
            "choices": choices,
            "events": referral.events.select_related("by"),
            "head": referral.case.household.head,
            "today": timezone.localdate(),
        },
        status=status,
    )


@action_required(ANSWER)
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One referral as the receiving unit sees it: the need, the household, the deadline."""
    referral = get_object_or_404(case_selectors.referrals_to_answer(request.user), pk=pk)
    return _referral_page(request, referral)


@require_POST
@action_required(ANSWER)
def referral_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept, start, finish with an outcome, or decline with a reason."""
    referral = get_object_or_404(case_selectors.referrals_to_answer(request.user), pk=pk)
    form = case_forms.ReferralAnswerForm(request.POST)
    if form.is_valid():
        try:
            services.referral_act(
                referral=referral,
                by=request.user,
                name=form.cleaned_data["action"],
                expected_version=form.cleaned_data["version"],
                text=form.cleaned_data["text"],
            )
        except workflow.Conflict as exc:
            data = request.POST.copy()
            data["version"] = str(exc.current.version)
            form = case_forms.ReferralAnswerForm(data)
            form.is_valid()
            form.add_error(None, exc.messages[0])
            return _referral_page(request, exc.current, form, status=409)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, "已提交办理情况。")
            return redirect("cases:referral_detail", pk=pk)
    referral.refresh_from_db()
    return _referral_page(request, referral, form, status=400)


@require_POST
@action_required(WORK)
def referral_withdraw(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    """The sending township withdraws a referral (with the reason), e.g. the need has gone."""
    referral = get_object_or_404(
        case_selectors.referrals_of_cases(request.user, WORK).filter(case__number=number), pk=pk
    )
    form = case_forms.ReferralAnswerForm(request.POST)
    target = reverse("cases:detail", kwargs={"number": number}) + "#referrals"
    if not form.is_valid():
        messages.error(request, "请填写撤回理由。")
        return redirect(target)
    try:
        services.referral_act(
            referral=referral,
            by=request.user,
            name="withdraw",
            expected_version=form.cleaned_data["version"],
            text=form.cleaned_data["text"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "转介已撤回。")
    return redirect(target)
