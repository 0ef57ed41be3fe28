"""The division pages: the browser (tree, search, county map), a unit's detail, and changes."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from minzheng.divisions import access, counters, selectors, services
from minzheng.divisions.forms import ChangeApplyForm, ChangeRecordForm, MapQueryForm
from minzheng.divisions.models import Division, DivisionChange


def _nodes(divisions: list[Division]) -> list[dict[str, Any]]:
    """Tree rows: each division with its counter totals and whether it can expand."""
    totals = counters.subtree_totals([d.path for d in divisions])
    child_counts = selectors.child_counts(divisions)
    specs = counters.registered()
    return [
        {
            "division": d,
            "counts": [(spec.label, totals[d.path].get(spec.key, 0)) for spec in specs],
            "children": child_counts.get(d.pk, 0),
        }
        for d in divisions
    ]


@login_required
@require_GET
def browser(request: HttpRequest) -> HttpResponse:
    """The tree of the user's scope (expanding lazily), search, and the county map."""
    access.require_view(request.user)
    q = request.GET.get("q", "").strip()
    results = selectors.search(q, within=access.visible(request.user)) if q else []
    if request.headers.get("HX-Target") == "division-search-results":
        return render(request, "divisions/_search_results.html", {"q": q, "results": results})
    roots = access.scope_roots(request.user)
    show_map = any(r.level in (Division.Level.CITY, Division.Level.COUNTY) for r in roots)
    return render(
        request,
        "divisions/browser.html",
        {
            "roots": _nodes(roots),
            "q": q,
            "results": results,
            "show_map": show_map,
            "map_form": MapQueryForm(),
            "counter_specs": counters.registered(),
            "may_change": access.may_change(request.user),
        },
    )


@login_required
@require_GET
def children(request: HttpRequest, code: str) -> HttpResponse:
    """The current children of one visible division, as tree rows (an htmx fragment)."""
    access.require_view(request.user)
    division = access.get_visible(request.user, code)
    kids = list(selectors.children(division))
    return render(request, "divisions/_nodes.html", {"nodes": _nodes(kids)})


@login_required
@require_GET
def detail(request: HttpRequest, code: str) -> HttpResponse:
    """One division: where it sits, its counts, its children, and its history."""
    access.require_view(request.user)
    division = access.get_visible(request.user, code)
    visible_codes = set(
        access.visible(request.user)
        .filter(code__in=division.path.strip("/").split("/"))
        .values_list("code", flat=True)
    )
    kids = list(selectors.children(division))
    return render(
        request,
        "divisions/detail.html",
        {
            "division": division,
            "ancestors": [(a, a.code in visible_codes) for a in selectors.ancestors(division)],
            "node": _nodes([division])[0],
            "children": _nodes(kids),
            "history": selectors.division_history(division),
        },
    )


@login_required
@require_GET
def map_data(request: HttpRequest) -> JsonResponse:
    """Counts by the county-level units of a date (today without ``as_of``), for the map."""
    access.require_view(request.user)
    form = MapQueryForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    as_of: date | None = (
        form.cleaned_data.get("as_of") if form.cleaned_data["mode"] == "history" else None
    )
    roots = access.scope_roots(request.user)
    data = selectors.map_data(as_of=as_of, prefixes=[r.path for r in roots])
    return JsonResponse(
        {
            "as_of": data.as_of.isoformat() if data.as_of else None,
            "counters": [{"key": s.key, "label": str(s.label)} for s in counters.registered()],
            "counties": [
                {
                    "code": c.code,
                    "name": c.name,
                    "in_scope": c.in_scope,
                    "counts": c.counts if c.in_scope else {},
                }
                for c in data.counties
            ],
            "scope": [c.code for c in data.counties if c.in_scope],
            "features": data.features,
            "geo_fixes": selectors.GEO_CODE_FIXES,
        }
    )


# --- division changes (city-wide administrators) --------------------------------------------------


@login_required
@require_GET
def change_list(request: HttpRequest) -> HttpResponse:
    """Recorded division changes, drafts and applied."""
    access.require_change(request.user)
    return render(request, "divisions/change_list.html", {"changes": selectors.changes()})


@login_required
@require_http_methods(["GET", "POST"])
def change_create(request: HttpRequest) -> HttpResponse:
    """Record a change as a draft, from a change file or from fields and items typed in."""
    access.require_change(request.user)
    form = ChangeRecordForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            change = services.change_record(spec=form.spec(), by=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已登记为草稿，请核对预览后实施。"))
            return redirect("divisions:change_detail", pk=change.pk)
    return render(request, "divisions/change_form.html", {"form": form})


def _change_or_404(pk: int) -> DivisionChange:
    change = selectors.changes().filter(pk=pk).first()
    if change is None:
        raise Http404
    return change


@login_required
@require_GET
def change_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A change's preview (what it does, with counts) and, for a draft, the apply form."""
    access.require_change(request.user)
    change = _change_or_404(pk)
    preview = selectors.change_preview(change)
    form = ChangeApplyForm(creates=preview.creates) if change.status == "draft" else None
    return render(
        request,
        "divisions/change_detail.html",
        {"change": change, "preview": preview, "form": form},
    )


@login_required
@require_POST
def change_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply a draft with the codes the administrator entered for the units it creates."""
    access.require_change(request.user)
    change = _change_or_404(pk)
    preview = selectors.change_preview(change)
    form = ChangeApplyForm(request.POST, creates=preview.creates)
    if form.is_valid():
        try:
            services.change_apply(change=change, by=request.user, new_codes=form.new_codes())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("区划变更已实施。"))
            return redirect("divisions:change_detail", pk=change.pk)
    return render(
        request,
        "divisions/change_detail.html",
        {"change": change, "preview": preview, "form": form},
        status=400,
    )
