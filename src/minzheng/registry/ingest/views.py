"""The ingest pages: the batch list, the upload form, a batch with live progress, its error file,
a feed's import template.

Uploads are imported by a background task; the batch page polls its progress fragment every
second (htmx) until the batch ends, then reloads once to show the result.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from minzheng.accounts.decorators import action_required
from minzheng.registry.ingest import selectors, services, template
from minzheng.registry.ingest.forms import ImportForm
from minzheng.registry.ingest.selectors import IMPORT_ACTION
from minzheng.registry.models import ImportBatch

PER_PAGE = 30


@action_required(IMPORT_ACTION)
@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    """The batches in the user's scope, newest first."""
    feed, status = request.GET.get("feed", ""), request.GET.get("status", "")
    batches = selectors.batches_for(request.user, feed=feed, status=status)
    page = Paginator(batches, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "registry/ingest/import_list.html",
        {
            "page": page,
            "feeds": selectors.feeds_to_upload(),
            "statuses": ImportBatch.Status.choices,
            "feed": feed,
            "status": status,
        },
    )


@action_required(IMPORT_ACTION)
@require_http_methods(["GET", "POST"])
def import_new(request: HttpRequest) -> HttpResponse:
    """Choose a feed and upload a file; the import runs in the background."""
    services.ensure_feeds()
    divisions = selectors.import_divisions(request.user)
    wanted = request.GET.get("division", "")
    if wanted:
        place = selectors.import_division(request.user, wanted)
        if place is None:
            raise Http404
        divisions = [place]
    feeds = selectors.feeds_to_upload()
    form = ImportForm(
        request.POST or None,
        request.FILES or None,
        feeds=feeds,
        divisions=divisions,
        initial={
            "feed": request.GET.get("feed", ""),
            "division": getattr(selectors.default_division(request.user), "code", ""),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.batch_submit(
                feed_code=form.cleaned_data["feed"],
                by=request.user,
                upload=form.cleaned_data["file"],
                division=form.chosen_division(),
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            return redirect("registry:import_detail", pk=batch.pk)
    return render(request, "registry/ingest/import_new.html", {"form": form, "feeds": feeds})


@action_required(IMPORT_ACTION)
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One batch: its progress (live while it runs), its counts, its errors."""
    batch = selectors.batch_for(request.user, pk)
    errors = [
        {**error, "sentence": selectors.describe_error(batch, error)} for error in batch.errors
    ]
    return render(
        request,
        "registry/ingest/import_detail.html",
        {"batch": batch, "state": selectors.batch_state(batch), "errors": errors},
    )


@action_required(IMPORT_ACTION)
@require_GET
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment; when a polled batch has ended, the page reloads to show it."""
    batch = selectors.batch_for(request.user, pk)
    state = selectors.batch_state(batch)
    response = render(request, "registry/ingest/_progress.html", {"batch": batch, "state": state})
    if state.finished and request.GET.get("poll"):
        response["HX-Refresh"] = "true"
    return response


@action_required(IMPORT_ACTION)
@require_GET
def import_error_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The bad rows as .xlsx, to correct and upload again (the download is logged)."""
    batch = selectors.batch_for(request.user, pk)
    if not batch.error_file:
        raise Http404
    services.error_file_download(by=request.user, batch=batch)
    name = f"{Path(batch.file_name).stem}-错误行.xlsx"
    response = FileResponse(batch.error_file.open("rb"), as_attachment=True, filename=name)
    return response  # type: ignore[return-value]  # a streaming response serves as a page


@action_required(IMPORT_ACTION)
@require_GET
def import_template(request: HttpRequest, code: str) -> HttpResponse:
    """A feed's import template: its header row to fill in, and its notes (.xlsx)."""
    services.ensure_feeds()
    chosen = next((f for f in selectors.feeds_to_upload() if f.spec.code == code), None)
    if chosen is None:
        raise Http404
    return FileResponse(
        BytesIO(template.template(chosen.spec)),
        as_attachment=True,
        filename=template.file_name(chosen.spec),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )  # type: ignore[return-value]  # a streaming response serves as a page
