"""数据归集 over the API: partner systems submit rows (JSON) or a file, then poll the batch.

    POST /api/registry/imports/{feed}   multipart ``file`` (+ ``division``), or JSON
                                        ``{"rows": [{"身份证号码": "…", …}], "division": "500101"}``
                                        (a bare list of rows also works) → 202 and the batch
    GET  /api/registry/imports/{id}     the batch: status, counts, the first errors
    GET  /api/registry/imports/         the caller's batches

The import runs in the background, as uploads from the page do. Same scope as the pages: a
caller without ``registry.import`` gets 404 everywhere; a batch filed outside their divisions
does not exist for them.
"""

# No ``from __future__ import annotations`` here: ninja reads the schemas' annotations at import.
import datetime as dt
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from minzheng.registry.ingest import selectors, services
from minzheng.registry.ingest.feeds import FEEDS
from minzheng.registry.models import ImportBatch

router = Router(tags=["数据归集"])


def _user(request: HttpRequest) -> Any:
    """The caller (a token's user or the session's): 401 if none, 404 without registry.import."""
    auth = getattr(request, "auth", None)
    user = auth if getattr(auth, "is_authenticated", False) else getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        raise HttpError(401, "未登录")
    if not selectors.may_import(user):
        raise HttpError(404, "Not Found")
    return user


class ErrorOut(Schema):
    row: int
    column: str
    value: str
    message: str


class BatchOut(Schema):
    id: int
    feed: str
    feed_name: str
    file_name: str
    status: str
    status_label: str
    rows_total: int | None
    rows_done: int
    rows_created: int
    rows_unchanged: int
    rows_failed: int
    message: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    errors: list[ErrorOut]


def _out(batch: ImportBatch, *, with_errors: bool = True) -> dict[str, Any]:
    state = selectors.batch_state(batch)
    return {
        "id": batch.pk,
        "feed": batch.feed.code,
        "feed_name": batch.feed.name,
        "file_name": batch.file_name,
        "status": state.status,
        "status_label": state.status_label,
        "rows_total": state.rows_total,
        "rows_done": state.rows_done,
        "rows_created": state.rows_created,
        "rows_unchanged": state.rows_unchanged,
        "rows_failed": state.rows_failed,
        "message": batch.message,
        "created_at": batch.created_at,
        "started_at": batch.started_at,
        "finished_at": batch.finished_at,
        "errors": batch.errors if with_errors else [],
    }


@router.get("/", response=list[BatchOut], summary="导入批次列表", url_name="registry_import_list")
@paginate(PageNumberPagination, page_size=50)
def list_batches(request: HttpRequest, feed: str = "", status: str = "") -> Any:
    """The caller's batches (in scope), newest first; errors are left out here."""
    user = _user(request)
    return [
        _out(batch, with_errors=False)
        for batch in selectors.batches_for(user, feed=feed, status=status)[:1000]
    ]


@router.get(
    "/{int:batch_id}", response=BatchOut, summary="导入批次状态", url_name="registry_import_detail"
)
def get_batch(request: HttpRequest, batch_id: int) -> dict[str, Any]:
    """One batch: status, counts (live while it runs) and the first 1,000 errors."""
    return _out(selectors.batch_for(_user(request), batch_id))


def _payload(request: HttpRequest) -> tuple[Any, list[Any] | None, str, str]:
    """(uploaded file, rows, division code, file name) from a multipart or JSON request."""
    if (request.content_type or "").startswith("multipart/"):
        upload = request.FILES.get("file")
        if upload is None:
            raise HttpError(400, "请以 file 字段上传文件")
        return upload, None, request.POST.get("division", ""), ""
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        raise HttpError(400, "请求体不是有效的 JSON") from None
    if isinstance(body, dict):
        rows, division, name = (
            body.get("rows"),
            str(body.get("division") or ""),
            body.get("file_name"),
        )
    else:
        rows, division, name = body, "", ""
    if not isinstance(rows, list):
        raise HttpError(400, 'rows 应为对象数组：[{"身份证号码": "…", …}]')
    return None, rows, division, str(name or "")


@router.post(
    "/{feed}",
    response={202: BatchOut},
    summary="提交导入（文件或 JSON 行）",
    url_name="registry_import_create",
)
def create_batch(request: HttpRequest, feed: str) -> Status[dict[str, Any]]:
    """Queue an import through ``feed``: a file (multipart ``file``) or JSON ``rows``.

    ``division`` (a code) files the batch under a division where the caller may import; by
    default, the caller's own. 404 for an unknown feed or a division outside the caller's scope.
    """
    user = _user(request)
    if feed not in FEEDS:
        raise HttpError(404, f"未知的数据源：{feed}")
    upload, rows, code, name = _payload(request)
    division = None
    if code:
        division = selectors.import_division(user, code)
        if division is None:
            raise HttpError(404, "Not Found")
    try:
        batch = services.batch_submit(
            feed_code=feed, by=user, upload=upload, rows=rows, file_name=name, division=division
        )
    except ValidationError as exc:
        raise HttpError(400, "；".join(exc.messages)) from None
    return Status(202, _out(batch))
