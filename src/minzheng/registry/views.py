"""Registry pages: household search, household page, person page, and the worker's forms.

Every object is fetched through ``restrict`` (``households_visible`` / ``persons_visible``); out of
scope is 404. Writes need ``household.edit`` over the household; the full ID number needs
``pii.view_full`` over the person and a stated purpose.
"""

from __future__ import annotations

import secrets
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.decorators.http import require_POST

from minzheng.accounts.decorators import action_required
from minzheng.accounts.scope import can, can_at
from minzheng.registry import idnumbers, labels, pii, selectors, services
from minzheng.registry.forms import (
    FACT_FORM_FIELDS,
    FactForm,
    HouseholdCreateForm,
    HouseholdSearchForm,
    MemberAddForm,
    ReasonForm,
    RevealForm,
)
from minzheng.registry.models import Household
from minzheng.registry.selectors import EDIT_ACTION, PII_ACTION, VIEW_ACTION
from minzheng.registry.services.facts import FACT_MODELS

PER_PAGE = 25
# Counting every match of a broad search on millions of rows costs seconds; the page counts up to
# this many and says "more than" beyond.
PAGE_COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """A paginator whose count stops at ``PAGE_COUNT_CAP`` (``capped`` says it did)."""

    capped = False

    @cached_property
    def count(self) -> int:
        # Unordered: an ORDER BY inside the limited subquery would make SQLite walk the number
        # index instead of the filters' own indexes.
        found = int(cast(QuerySet[Any], self.object_list).order_by()[: PAGE_COUNT_CAP + 1].count())
        self.capped = found > PAGE_COUNT_CAP
        return min(found, PAGE_COUNT_CAP)


# The registration form lists the villages in the worker's scope; past this many, scope is too
# wide for a list (a county or the city) and registration happens from a township account.
MAX_VILLAGES_IN_FORM = 600


def _household(request: HttpRequest, number: str, action: str = VIEW_ACTION) -> Household:
    return get_object_or_404(
        selectors.households_visible(request.user, action).select_related(
            "division__parent__parent", "head", "superseded_by"
        ),
        number=number,
    )


def _querystring(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


# A full ID number typed into the search box leaves the URL at once: the page redirects to the
# masked form plus a short reference to the number's keyed hash, kept in the session.
ID_SEARCH_SESSION_KEY = "registry_id_search"
ID_SEARCH_KEEP = 20


def _remember_id_search(request: HttpRequest, id_hash: str) -> str:
    refs: dict[str, str] = request.session.get(ID_SEARCH_SESSION_KEY, {})
    ref = secrets.token_urlsafe(6)
    refs[ref] = id_hash
    request.session[ID_SEARCH_SESSION_KEY] = dict(list(refs.items())[-ID_SEARCH_KEEP:])
    return ref


@action_required(VIEW_ACTION)
def household_list(request: HttpRequest) -> HttpResponse:
    """Search households in scope; ID numbers are masked in the results and in the URL."""
    form = HouseholdSearchForm(request.GET or None)
    results = None
    page = None
    rows: list[selectors.HouseholdRow] = []
    terms = None
    if form.is_valid():
        data = form.cleaned_data
        terms = selectors.read_query(data["q"])
        if terms.kind == "id":
            params = request.GET.copy()
            params["q"] = idnumbers.mask(terms.value)
            params["idref"] = _remember_id_search(request, pii.lookup_hash(terms.value))
            params.pop("page", None)
            return redirect(f"{reverse('registry:household_list')}?{params.urlencode()}")
        id_hash = request.session.get(ID_SEARCH_SESSION_KEY, {}).get(request.GET.get("idref", ""))
        if id_hash:
            terms = selectors.SearchTerms("hash", id_hash)
        division = None
        if data["division"]:
            division = selectors.division_in_scope(request.user, data["division"])
            if division is None:
                form.add_error("division", "该区划不存在或不在您的权限范围内")
        if not form.errors:
            results = selectors.household_search(
                user=request.user,
                q=data["q"],
                id_hash=id_hash or "",
                division=division,
                area_type=data["area_type"],
                programme=data["programme"],
                include_closed=data["include_closed"],
            )
    if results is None and not form.is_bound:
        results = selectors.household_search(user=request.user)
    if results is not None:
        page = CappedPaginator(results, PER_PAGE).get_page(request.GET.get("page"))
        rows = selectors.household_rows(list(page.object_list))
    return render(
        request,
        "registry/household_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "terms": terms,
            "querystring": _querystring(request),
            "may_edit": can(request.user, EDIT_ACTION),
        },
    )


@action_required(VIEW_ACTION)
def division_options(request: HttpRequest) -> HttpResponse:
    """``<option>``s for the division filter: units in the viewer's scope matching ``q``."""
    found = selectors.divisions_in_scope(request.user, q=request.GET.get("q", ""), limit=20)
    return render(request, "registry/_division_options.html", {"divisions": found})


@action_required(VIEW_ACTION)
def household_detail(request: HttpRequest, number: str) -> HttpResponse:
    """The household page: members (counted or not, and why), facts with sources, enrolments."""
    household = _household(request, number)
    detail = selectors.household_detail(household=household)
    may_edit = household.closed_at is None and can_at(request.user, EDIT_ACTION, household.division)
    return render(
        request,
        "registry/household_detail.html",
        {
            "household": household,
            "detail": detail,
            "division_text": selectors.division_text(household.division),
            "may_edit": may_edit,
            "actions": selectors.household_actions(request.user, household),
            "panels": selectors.household_panels(request.user, household),
            "fact_kinds": [(k, labels.FACT_KINDS[k]) for k in FACT_FORM_FIELDS],
        },
    )


@action_required(VIEW_ACTION)
def household_timeline(request: HttpRequest, number: str) -> HttpResponse:
    """The household's timeline (the page loads it into its tab; also a page of its own)."""
    household = _household(request, number)
    entries = selectors.household_timeline(household=household)
    context = {
        "household": household,
        "entries": entries,
        "categories": selectors.CATEGORIES,
        "used": sorted({e.category for e in entries}),
    }
    partial = request.headers.get("HX-Request") == "true"
    template = "registry/_timeline.html" if partial else "registry/household_timeline.html"
    return render(request, template, context)


@action_required(VIEW_ACTION)
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The person page: each attribute with its source, memberships, facts."""
    person = get_object_or_404(selectors.persons_visible(request.user), pk=pk)
    detail = selectors.person_detail(person=person)
    may_reveal = selectors.persons_visible(request.user, PII_ACTION).filter(pk=pk).exists()
    return render(
        request,
        "registry/person_detail.html",
        {
            "person": person,
            "detail": detail,
            "may_reveal": may_reveal,
            "reveal_form": RevealForm(),
        },
    )


@require_POST
@action_required(PII_ACTION)
def person_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the full ID number once, after the user states why (audited as a PII access)."""
    person = get_object_or_404(selectors.persons_visible(request.user, PII_ACTION), pk=pk)
    form = RevealForm(request.POST)
    number = ""
    if form.is_valid():
        try:
            number = services.person_reveal_id_number(
                by=request.user, person=person, purpose=form.cleaned_data["purpose"]
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            form.add_service_error(error)
    response = render(
        request, "registry/_reveal.html", {"person": person, "form": form, "number": number}
    )
    response["Cache-Control"] = "no-store"
    return response


# --- the worker's forms ----------------------------------------------------------------------------


@action_required(EDIT_ACTION)
def household_create(request: HttpRequest) -> HttpResponse:
    """Register a household and its head (a township worker, in their own villages)."""
    villages = list(
        selectors.divisions_in_scope(
            request.user, EDIT_ACTION, level="village", limit=MAX_VILLAGES_IN_FORM + 1
        )
    )
    too_many = len(villages) > MAX_VILLAGES_IN_FORM
    form = HouseholdCreateForm(
        request.POST or None,
        villages=[] if too_many else villages,
        initial={"valid_from": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        division = selectors.division_in_scope(request.user, data["division"], EDIT_ACTION)
        if division is None:
            raise Http404
        try:
            identity = form.stated_identity()
            household = services.household_register(
                by=request.user,
                division=division,
                head_id_number=data["id_number"],
                head_name=data["name"],
                head_birth_date=identity["birth_date"],
                head_sex=identity["sex"],
                address=data["address"],
                area_type=data["area_type"],
                on=data["valid_from"],
                head_attributes=form.person_attributes(),
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, f"已登记家庭 {household.number}")
            return redirect("registry:household_detail", number=household.number)
    return render(
        request,
        "registry/household_form.html",
        {"form": form, "too_many": too_many},
    )


@action_required(EDIT_ACTION)
def member_add(request: HttpRequest, number: str) -> HttpResponse:
    """Add a member to a household (registering the person if new)."""
    household = _household(request, number, EDIT_ACTION)
    form = MemberAddForm(
        request.POST or None, initial={"valid_from": timezone.localdate(), "apart_reason": ""}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            membership = services.member_register(
                by=request.user,
                household=household,
                id_number=data["id_number"],
                name=data["name"],
                **form.stated_identity(),
                relation=data["relation"],
                apart_reason=data["apart_reason"],
                on=data["valid_from"],
                attributes=form.person_attributes(),
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, f"已添加成员 {membership.person.name}")
            return redirect("registry:household_detail", number=household.number)
    return render(request, "registry/member_form.html", {"form": form, "household": household})


@action_required(EDIT_ACTION)
def fact_add(request: HttpRequest, number: str, kind: str) -> HttpResponse:
    """Record an income, asset, expenditure, life event or enrolment, entered by the worker."""
    if kind not in FACT_FORM_FIELDS:
        raise Http404
    household = _household(request, number, EDIT_ACTION)
    members = list(selectors.recorded_members(household))
    form = FactForm(request.POST or None, kind=kind, members=members)
    if request.method == "POST" and form.is_valid():
        person = form.cleaned_data.get("person")
        try:
            recorded = services.fact_record(
                by=request.user,
                kind=kind,
                person=person,
                household=household,
                values=form.values(),
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            word = labels.FACT_KINDS[kind]
            if recorded.created:
                messages.success(request, f"已记录{word}")
            else:
                messages.info(request, f"相同的{word}已有记录，未重复登记")
            return redirect(f"{_detail_url(household)}#{kind}")
    return render(
        request,
        "registry/fact_form.html",
        {"form": form, "household": household, "kind": kind, "kind_label": labels.FACT_KINDS[kind]},
    )


@require_POST
@action_required(EDIT_ACTION)
def fact_close(request: HttpRequest, number: str, kind: str, pk: int) -> HttpResponse:
    """Withdraw a wrong fact of this household, with a reason."""
    if kind not in FACT_MODELS:
        raise Http404
    household = _household(request, number, EDIT_ACTION)
    fact = get_object_or_404(selectors.household_facts(household, kind), pk=pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.fact_close(by=request.user, fact=fact, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
        else:
            messages.success(request, f"已注销该{labels.FACT_KINDS[kind]}记录")
    else:
        messages.error(request, "注销须说明原因")
    return redirect(f"{_detail_url(household)}#{kind}")


def _detail_url(household: Household) -> str:
    return reverse("registry:household_detail", kwargs={"number": household.number})
