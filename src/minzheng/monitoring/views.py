"""Monitoring pages: runs (list, detail, start), the alert worklist and alert page, the report form,
and the engine's outcome of one household (a panel of the household page, and its explanations).

Alerts are fetched through ``restrict`` (out of scope: 404); actions on an alert need
``alert.handle`` over it. Runs are city-wide counts, readable by any holder of ``monitoring.view``.
A household's outcome has the household page's scope (``household.view`` over the household).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from minzheng.accounts.decorators import action_required
from minzheng.accounts.scope import can
from minzheng.monitoring import hooks, outcomes, selectors, services
from minzheng.monitoring.forms import AlertFilterForm, AsOfForm, DismissForm, ReportForm
from minzheng.monitoring.models import Alert
from minzheng.monitoring.selectors import HANDLE_ACTION, REPORT_ACTION, RUN_ACTION, VIEW_ACTION
from minzheng.registry import selectors as registry_selectors
from minzheng.registry.models import Household
from minzheng.registry.selectors import VIEW_ACTION as HOUSEHOLD_VIEW_ACTION

PER_PAGE = 30
RUNS_SHOWN = 30


# --- runs ---------------------------------------------------------------------------------------


@action_required(VIEW_ACTION)
def run_list(request: HttpRequest) -> HttpResponse:
    runs = list(selectors.runs_visible(request.user)[:RUNS_SHOWN])
    return render(
        request,
        "monitoring/run_list.html",
        {
            "runs": runs,
            "chart": selectors.run_chart(runs),
            "may_run": can(request.user, RUN_ACTION),
            "in_progress": services.run_in_progress(),
        },
    )


@action_required(VIEW_ACTION)
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.run_for(user=request.user, pk=pk)
    return render(
        request,
        "monitoring/run_detail.html",
        {
            "run": run,
            "in_scope": selectors.run_alerts_in_scope(user=request.user, run=run),
            "counts": selectors.run_counts(run),
            "changes": selectors.run_changes(run),
        },
    )


@require_POST
@action_required(RUN_ACTION)
def run_start(request: HttpRequest) -> HttpResponse:
    run = services.screening_run_request(by=request.user)
    messages.success(request, f"监测评估 #{run.pk} 已排队，后台工作进程将依次执行。")
    return redirect("monitoring:run_list")


# --- alerts -------------------------------------------------------------------------------------


@action_required(VIEW_ACTION)
def alert_list(request: HttpRequest) -> HttpResponse:
    form = AlertFilterForm(request.GET or None, initial={"status": "active"})
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.AlertFilters(
        kind=data.get("kind", ""),
        status=data.get("status", "active") if request.GET else "active",
        division=(data.get("division") or "").strip(),
        overdue=bool(data.get("overdue")),
    )
    alerts = selectors.alert_list(user=request.user, filters=filters)
    page = Paginator(alerts, PER_PAGE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "monitoring/alert_list.html",
        {
            "form": form,
            "page": page,
            "today": timezone.localdate(),
            "counts": selectors.alert_counts(user=request.user),
            "querystring": params.urlencode(),
            "may_report": can(request.user, REPORT_ACTION),
        },
    )


def _may_handle(request: HttpRequest, alert: Alert) -> bool:
    return selectors.alerts_visible(request.user, HANDLE_ACTION).filter(pk=alert.pk).exists()


@action_required(VIEW_ACTION)
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    alert = selectors.alert_for(user=request.user, pk=pk)
    return render(
        request,
        "monitoring/alert_detail.html",
        {
            "alert": alert,
            "today": timezone.localdate(),
            "reports": selectors.alert_reports(alert),
            "may_handle": _may_handle(request, alert),
            "dismiss_form": DismissForm(),
            "action_templates": hooks.alert_action_templates(),
        },
    )


@action_required(VIEW_ACTION)
def alert_engine(request: HttpRequest, pk: int) -> HttpResponse:
    """The engine's determinations (and one explanation) for the alert's household (htmx)."""
    alert = selectors.alert_for(user=request.user, pk=pk)
    if alert.household is None:
        raise Http404
    # Determinations and explanations come from one run of the household.
    programme = request.GET.get("programme", "")
    outcome = outcomes.household_outcome(household=alert.household)
    rows = selectors.determination_rows(outcome)
    explanation = ""
    if programme in outcome.explanations:
        explanation = outcome.explanation(programme).render()
    return render(
        request,
        "monitoring/_engine.html",
        {"alert": alert, "rows": rows, "programme": programme, "explanation": explanation},
    )


def _handled(request: HttpRequest, pk: int) -> Alert:
    alert = get_object_or_404(selectors.alerts_visible(request.user, HANDLE_ACTION), pk=pk)
    return alert


@require_POST
@action_required(HANDLE_ACTION)
def alert_start(request: HttpRequest, pk: int) -> HttpResponse:
    alert = _handled(request, pk)
    try:
        services.alert_start_verification(alert=alert, by=request.user)
        messages.success(request, "已开始核查。")
    except services.AlertStateError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("monitoring:alert_detail", pk=alert.pk)


@require_POST
@action_required(HANDLE_ACTION)
def alert_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    alert = _handled(request, pk)
    form = DismissForm(request.POST)
    if not form.is_valid():
        messages.error(request, "排除预警必须填写原因。")
        return redirect("monitoring:alert_detail", pk=alert.pk)
    try:
        services.alert_dismiss(alert=alert, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, "预警已排除，原因已记录。")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("monitoring:alert_detail", pk=alert.pk)


# --- reports ------------------------------------------------------------------------------------


@action_required(REPORT_ACTION)
def report_new(request: HttpRequest) -> HttpResponse:
    form = ReportForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = services.report_create(
                by=request.user,
                division=data["division"],
                household=form.household,
                person_name=data.get("person_name", ""),
                id_number=data.get("id_number", ""),
                description=data["description"],
                contact=data.get("contact", ""),
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request,
                f"发现报告已提交（编号 {report.pk}），已推送至乡镇(街道)民政服务站限时核查。",
            )
            if can(request.user, VIEW_ACTION):
                return redirect("monitoring:alert_list")
            return redirect("monitoring:report_new")
    return render(request, "monitoring/report_form.html", {"form": form})


# --- the engine's outcome for one household (a panel of the registry's household page) -----------


def _household_in_scope(request: HttpRequest, number: str) -> Household:
    return get_object_or_404(
        registry_selectors.households_visible(request.user).select_related("division"),
        number=number,
    )


@action_required(HOUSEHOLD_VIEW_ACTION)
def household_outcome(request: HttpRequest, number: str) -> HttpResponse:
    """Every programme's outcome for the household on a day (today by default), htmx panel."""
    household = _household_in_scope(request, number)
    form = AsOfForm(request.GET or None)
    day = form.day(timezone.localdate())
    outcome = outcomes.household_outcome(household=household, as_of=day)
    return render(
        request,
        "monitoring/_household_outcome.html",
        {"household": household, "outcome": outcome, "form": form, "as_of": day},
    )


@action_required(HOUSEHOLD_VIEW_ACTION)
def household_explanation(request: HttpRequest, number: str, programme: str) -> HttpResponse:
    """Why the household got its outcome for one programme (a panel, or a page of its own)."""
    if programme not in outcomes.PROGRAMMES:
        raise Http404
    household = _household_in_scope(request, number)
    day = AsOfForm(request.GET or None).day(timezone.localdate())
    outcome = outcomes.household_outcome(household=household, as_of=day, programmes=(programme,))
    partial = request.headers.get("HX-Request") == "true"
    template = (
        "monitoring/_household_explanation.html"
        if partial
        else "monitoring/household_explanation.html"
    )
    return render(
        request,
        template,
        {
            "household": household,
            "outcome": outcome,
            "programme": outcome.outcome(programme),
            "as_of": day,
            **outcomes.explanation_page(outcome, programme),
        },
    )
