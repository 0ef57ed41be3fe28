"""Case pages: the list, opening a case from a household, the case page with its step forms,
uploads, documents to print, the public notice, and the payment roll.

Every object comes through ``restrict`` (``case_selectors``); out of scope is 404. A step that
meets a newer version answers 409 with the worker's input kept on the form.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from minzheng.accounts.decorators import action_required
from minzheng.accounts.scope import active_assignments, can
from minzheng.cases import exports, limits, pdf, services, uploads, workflow
from minzheng.cases import forms as case_forms
from minzheng.cases import selectors as case_selectors
from minzheng.cases.assessment import assess_household
from minzheng.cases.models import Case
from minzheng.cases.views.steps import STEPS, offered
from minzheng.divisions import selectors as division_selectors
from minzheng.monitoring import selectors as monitoring_selectors
from minzheng.registry import selectors as registry_selectors

VIEW, WORK, DECIDE, EXPORT = (
    case_selectors.VIEW,
    case_selectors.WORK,
    case_selectors.DECIDE,
    case_selectors.EXPORT,
)
PER_PAGE = 25
logger = logging.getLogger(__name__)


def _case(request: HttpRequest, number: str, action: str = VIEW) -> Case:
    return get_object_or_404(case_selectors.cases_visible(request.user, action), number=number)


def _add_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error.messages[0] if hasattr(error, "messages") else error)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _case_page(
    request: HttpRequest,
    case: Case,
    *,
    bound: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The case page; ``bound`` replaces the blank form of one step (kept input and errors)."""
    detail = case_selectors.case_detail(case=case, user=request.user)
    keys = offered(case, detail.transitions, detail.may_decide)
    step_forms = {
        key: STEPS[key].form(initial={"version": case.version, "visited_on": timezone.localdate()})
        for key in keys
    }
    upload_form = case_forms.UploadForm()
    referral_form = case_forms.ReferralForm(receivers=case_selectors.referral_receivers())
    for key, form in (bound or {}).items():
        if key == "upload":
            upload_form = form
        elif key == "refer":
            referral_form = form
        else:
            step_forms[key] = form
    process = limits.process_limits(timezone.localdate())
    preview = preview_error = None
    if case.status == Case.Status.COUNTY_DECISION and detail.may_decide:
        try:
            preview = assess_household(
                household=case.household, as_of=timezone.localdate(), explain_programmes=()
            )
        except Exception:  # the engine failing must not hide the case page
            logger.exception("assessment of case %s failed", case.number)
            preview_error = "规则引擎测算失败，请稍后重试或联系管理员。"
    household_detail = None
    if case.status in (Case.Status.CHECKING, Case.Status.VISITING) and detail.may_work:
        household_detail = registry_selectors.household_detail(household=case.household)
    context = {
        "case": case,
        "detail": detail,
        "steps": [(key, STEPS[key], step_forms[key]) for key in step_forms],
        "upload_form": upload_form,
        "referral_form": referral_form,
        "household_detail": household_detail,
        "division_text": registry_selectors.division_text(case.division),
        "documents_to_print": pdf.available(case),
        "process": process,
        "accept": uploads.ACCEPT_ATTR,
        "may_refer": detail.may_work and case.status != Case.Status.CLOSED,
        "gradual_exit_known": process.gradual_exit_months.value is not None,
        "assessment": case.explanation or None,
        "preview": preview,
        "preview_error": preview_error,
    }
    return render(request, "cases/case_detail.html", context, status=status)


@action_required(VIEW)
def case_list(request: HttpRequest) -> HttpResponse:
    """Cases in scope: filter by status, overdue, or a number / head's name."""
    cases = case_selectors.cases_visible(request.user).order_by("-opened_at")
    status = request.GET.get("status", "")
    if status in Case.Status.values:
        cases = cases.filter(status=status)
    q = request.GET.get("q", "").strip()
    if q:
        cases = cases.filter(
            Q(number__contains=q) | Q(household__number__contains=q) | Q(household__head__name=q)
        )
    if request.GET.get("overdue"):
        today = timezone.localdate()
        cases = cases.filter(deadlines__met_on__isnull=True, deadlines__due_on__lt=today).distinct()
    page = Paginator(cases, PER_PAGE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "cases/case_list.html",
        {
            "page": page,
            "statuses": Case.Status.choices,
            "status": status,
            "q": q,
            "querystring": params.urlencode(),
        },
    )


@action_required(WORK)
def case_open(request: HttpRequest, household: str) -> HttpResponse:
    """受理申请: open a case for a household in the worker's scope (window application)."""
    found = get_object_or_404(
        registry_selectors.households_visible(request.user, WORK).select_related(
            "head", "division"
        ),
        number=household,
    )
    existing = services.open_case_of(found)
    if existing is not None:
        messages.info(request, f"该家庭已有在办案件 {existing.number}。")
        return redirect("cases:detail", number=existing.number)
    form = case_forms.OpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_open(
                household=found,
                by=request.user,
                origin=form.cleaned_data["origin"],
                programmes=form.cleaned_data["programmes"],
                applicant_phone=form.cleaned_data["applicant_phone"],
                origin_note=form.cleaned_data["origin_note"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"已登记案件 {case.number}，请核对申请材料后受理。")
            return redirect("cases:detail", number=case.number)
    return render(
        request,
        "cases/case_open.html",
        {
            "household": found,
            "form": form,
            "division_text": registry_selectors.division_text(found.division),
        },
    )


@require_POST
@action_required(WORK)
def case_from_alert(request: HttpRequest, alert_id: int) -> HttpResponse:
    """受理为救助案件: open a case from an alert (or join the household's case in procedure)."""
    alert = monitoring_selectors.alert_for(user=request.user, pk=alert_id, action=WORK)
    try:
        case = services.case_open_from_alert(alert=alert, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("monitoring:alert_detail", pk=alert_id)
    messages.success(request, f"预警已转为案件 {case.number}。")
    return redirect("cases:detail", number=case.number)


@action_required(VIEW)
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    """The case page: header, deadlines, step forms, uploads, timeline, referrals."""
    return _case_page(request, _case(request, number))


@require_POST
def case_step(request: HttpRequest, number: str, step: str) -> HttpResponse:
    """Apply one step. Conflict: 409 with the input kept (and the form set to the new version).

    The step's own action (case.work or case.decide) is required; without it anywhere, 404.
    """
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    spec = STEPS.get(step)
    if spec is None or not can(request.user, spec.action):
        raise Http404
    case = _case(request, number, spec.action)
    form = spec.form(request.POST)
    if form.is_valid():
        try:
            spec.run(case, request.user, form.cleaned_data, form)
        except workflow.Conflict as exc:
            data: QueryDict = request.POST.copy()
            data["version"] = str(exc.current.version)
            form = spec.form(data)
            form.is_valid()
            form.add_error(None, exc.messages[0])
            return _case_page(request, exc.current, bound={step: form}, status=409)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"已办理：{spec.label}。")
            return redirect("cases:detail", number=case.number)
    case.refresh_from_db()
    return _case_page(request, case, bound={step: form}, status=400)


@require_POST
@action_required(WORK)
def document_upload(request: HttpRequest, number: str) -> HttpResponse:
    """Upload evidence to the case (type and size checked)."""
    case = _case(request, number, WORK)
    form = case_forms.UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.document_upload(
                case=case,
                by=request.user,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "材料已上传。")
            return redirect(reverse("cases:detail", kwargs={"number": number}) + "#documents")
    return _case_page(request, case, bound={"upload": form}, status=400)


@action_required(VIEW)
def document_download(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    """Open an uploaded document (logged: it holds personal data)."""
    document = get_object_or_404(
        case_selectors.documents_visible(request.user).filter(case__number=number), pk=pk
    )
    services.document_viewed(document=document, by=request.user)
    with document.file.open("rb") as handle:
        response = HttpResponse(handle.read(), content_type=document.content_type)
    inline = document.content_type.startswith(("image/", "application/pdf"))
    disposition = content_disposition_header(not inline, document.original_name)
    response["Content-Disposition"] = disposition or ""
    return response


@action_required(VIEW)
def case_print(request: HttpRequest, number: str, document: str) -> HttpResponse:
    """A printable PDF of the case (审批表, 救助证明, 不予救助告知书)."""
    case = _case(request, number)
    if document not in dict(pdf.available(case)):
        raise Http404
    title, build = pdf.DOCUMENTS[document]
    content = build(case)
    services.document_printed(case=case, by=request.user, title=title)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{case.number}-{document}.pdf"'
    return response


@require_POST
@action_required(WORK)
def referral_create(request: HttpRequest, number: str) -> HttpResponse:
    """Refer a need of the case to an agency or (with consent) a charity."""
    case = _case(request, number, WORK)
    form = case_forms.ReferralForm(
        request.POST, request.FILES, receivers=case_selectors.referral_receivers()
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.referral_send(
                case=case,
                by=request.user,
                to_org_unit=data["to_org_unit"],
                kind=data["kind"],
                need=data["need"],
                due_on=data["due_on"],
                consent_upload=data["consent_file"],
                consent_note=data["consent_note"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"已转介至{data['to_org_unit'].name}。")
            return redirect(reverse("cases:detail", kwargs={"number": number}) + "#referrals")
    return _case_page(request, case, bound={"refer": form}, status=400)


@action_required(VIEW)
def notice_list(request: HttpRequest) -> HttpResponse:
    """Villages with a public notice running today, each with its printable list."""
    today = timezone.localdate()
    villages = case_selectors.notice_villages(user=request.user, today=today)
    return render(
        request,
        "cases/notice_list.html",
        {"villages": [(v, n, registry_selectors.division_text(v)) for v, n in villages]},
    )


@action_required(VIEW)
def notice_print(request: HttpRequest, village: str) -> HttpResponse:
    """The printable 7-day notice of one village (names and ID numbers masked)."""
    place = registry_selectors.division_in_scope(request.user, village, VIEW)
    if place is None or place.level != "village":
        raise Http404
    today = timezone.localdate()
    rows = case_selectors.notice_rows(user=request.user, village=place, today=today)
    return render(
        request,
        "cases/notice_print.html",
        {
            "village": place,
            "division_text": registry_selectors.division_text(place),
            "rows": rows,
            "today": today,
            "days": limits.limit(limits.PUBLIC_NOTICE_DAYS, today).value,
        },
    )


def _counties_for(user: Any) -> list[tuple[str, str]]:
    """Counties the user may export the roll of (their assignments' counties, or all of them)."""
    out: dict[str, str] = {}
    for assignment in active_assignments(user, EXPORT):
        division = assignment.division
        if division.level == "city":
            for county in division_selectors.counties():
                out[county.code] = county.name
        else:
            code = division.code[:6]
            county = (
                division if division.level == "county" else division_selectors.get_by_code(code)
            )
            out[county.code] = county.name
    return sorted(out.items())


@action_required(EXPORT)
def payment_roll(request: HttpRequest) -> HttpResponse:
    """The monthly payment roll per county: pick a county and a month; view or download .xlsx."""
    counties = _counties_for(request.user)
    default_month = timezone.localdate().strftime("%Y-%m")
    data = request.GET if "county" in request.GET else None
    form = case_forms.PaymentRollForm(
        data,
        counties=counties,
        initial={"month": default_month, "county": counties[0][0] if counties else ""},
    )
    rows: list[case_selectors.RollRow] = []
    county = month = None
    if form.is_bound and form.is_valid():
        county = division_selectors.get_by_code(form.cleaned_data["county"])
        month = form.cleaned_data["month"]
        if month <= timezone.localdate():  # a month not begun yet has no payments to list
            services.payments_generate(month=month, by=request.user, path_prefix=county.path)
        rows = case_selectors.payment_roll(user=request.user, county=county, month=month)
        if request.GET.get("format") == "xlsx":
            services.payment_roll_exported(
                by=request.user, county=county, month=month, rows=len(rows)
            )
            content = exports.payment_roll_xlsx(county_name=county.name, month=month, rows=rows)
            response = HttpResponse(
                content,
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            response["Content-Disposition"] = (
                f'attachment; filename="payment-roll-{county.code}-{month:%Y-%m}.xlsx"'
            )
            return response
    total = sum((r.amount for r in rows), start=0)
    return render(
        request,
        "cases/payment_roll.html",
        {
            "form": form,
            "rows": rows,
            "county": county,
            "month": month,
            "total": total,
            "querystring": request.GET.urlencode(),
        },
    )
