"""The auditor's pages: the filtered event list, one event, its before/after diff, the export."""

from __future__ import annotations

import tempfile

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
)
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from minzheng.audit import selectors, services
from minzheng.audit.forms import EventFilterForm

PAGE_SIZE = 50


def _require_view(request: HttpRequest, filters: selectors.EventFilters | None = None) -> None:
    """404 unless the user holds ``audit.view`` and any division asked for is in scope."""
    if not selectors.may_view(user=request.user):
        raise Http404
    if filters is not None and not selectors.filters_in_scope(user=request.user, filters=filters):
        raise Http404


@login_required
@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    """Events in the auditor's scope, filtered and paginated, newest first."""
    _require_view(request)
    form = EventFilterForm(request.GET or None)
    filters = form.filters()
    _require_view(request, filters)
    events = selectors.events_for(user=request.user, filters=filters)
    if filters is None:
        events = events.none()
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/event_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "status": selectors.chain_status(),
            "object_types": selectors.object_types_for(user=request.user),
        },
    )


@login_required
@require_GET
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One event in full: who, when, what, before/after, and its place in the chain."""
    event = selectors.event_for(user=request.user, pk=pk)
    return render(
        request,
        "audit/event_detail.html",
        {"event": event, "rows": selectors.diff_rows(event)},
    )


@login_required
@require_GET
def event_diff(request: HttpRequest, pk: int) -> HttpResponse:
    """The before/after table of one event (loaded into the list by htmx)."""
    event = selectors.event_for(user=request.user, pk=pk)
    return render(request, "audit/_diff.html", {"event": event, "rows": selectors.diff_rows(event)})


@login_required
@require_GET
def event_export(request: HttpRequest) -> HttpResponseBase:
    """The filtered events as an .xlsx workbook (the export is itself an audit event)."""
    _require_view(request)
    form = EventFilterForm(request.GET or None)
    filters = form.filters()
    if filters is None:
        return HttpResponseBadRequest(form.errors.as_text())
    _require_view(request, filters)
    events = selectors.events_for(user=request.user, filters=filters)
    # FileResponse closes the file once sent; the file system removes it on close.
    handle = tempfile.TemporaryFile()  # noqa: SIM115
    services.export_events_xlsx(
        actor=request.user, events=events, filters=filters.as_dict(), destination=handle
    )
    handle.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"audit-events-{stamp}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
