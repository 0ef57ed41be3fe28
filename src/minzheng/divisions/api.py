"""The division tree over the API: list (filter by parent, level, q), detail, children.

Same scope as the pages: rows outside the caller's ``division.view`` subtrees do not exist for
them (404), and a caller without ``division.view`` anywhere gets 404 from every endpoint.
"""

# No ``from __future__ import annotations`` here: ninja reads the schemas' annotations at import.
import datetime as dt
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from minzheng.divisions import access, selectors
from minzheng.divisions.models import Division

router = Router(tags=["行政区划"])


class DivisionFilter(Schema):
    parent: str = ""
    level: str = ""
    q: str = ""
    include_retired: bool = False


class DivisionOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None
    path: str
    area_type: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    successor_code: str | None

    @staticmethod
    def resolve_parent_code(obj: Division) -> str | None:
        return obj.parent.code if obj.parent else None

    @staticmethod
    def resolve_successor_code(obj: Division) -> str | None:
        return obj.successor.code if obj.successor else None


def _user(request: HttpRequest) -> Any:
    """The caller (a token's user or the session's), 401 if none; 404 without division.view."""
    auth = getattr(request, "auth", None)
    user = auth if getattr(auth, "is_authenticated", False) else getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        raise HttpError(401, "未登录")
    if not access.can_view(user):
        raise HttpError(404, "Not Found")
    return user


def _visible_or_404(user: Any, code: str) -> Division:
    division = access.visible(user).filter(code=code).first()
    if division is None:
        raise HttpError(404, "Not Found")
    return division


@router.get("/", response=list[DivisionOut], summary="行政区划列表", url_name="division_list")
@paginate(PageNumberPagination, page_size=100)
def list_divisions(request: HttpRequest, filters: Query[DivisionFilter]) -> Any:
    """Divisions in the caller's scope, by path; ``parent`` (a code), ``level``, ``q`` filter."""
    user = _user(request)
    qs = access.visible(user, include_retired=filters.include_retired).select_related(
        "parent", "successor"
    )
    if filters.parent:
        qs = qs.filter(parent=_visible_or_404(user, filters.parent))
    if filters.level:
        if filters.level not in Division.Level.values:
            raise HttpError(422, f"level 应为 {', '.join(Division.Level.values)}")
        qs = qs.filter(level=filters.level)
    if filters.q:
        qs = qs.filter(Q(name__icontains=filters.q) | Q(code__startswith=filters.q))
    return qs.order_by("path")


@router.get("/{code}", response=DivisionOut, summary="行政区划详情", url_name="division_detail")
def get_division(request: HttpRequest, code: str) -> Any:
    """One division (current or retired) in the caller's scope."""
    return _visible_or_404(_user(request), code)


@router.get(
    "/{code}/children",
    response=list[DivisionOut],
    summary="下级行政区划",
    url_name="division_children",
)
def list_children(request: HttpRequest, code: str) -> Any:
    """The current children of a division in the caller's scope."""
    division = _visible_or_404(_user(request), code)
    return list(selectors.children(division).select_related("parent", "successor"))
