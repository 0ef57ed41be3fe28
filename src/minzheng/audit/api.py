"""The audit trail over the API: the same filters and the same scope as the auditor's page."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from minzheng.audit import selectors
from minzheng.audit.models import AuditEvent

router = Router(tags=["审计"])


class EventFilterQuery(Schema):
    """Query parameters; see ``minzheng.audit.selectors.EventFilters`` for their meaning."""

    actor: str = ""
    subject_key: str = ""
    object_type: str = ""
    object_id: str = ""
    org_unit: str = ""
    division: str = ""
    action: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def filters(self) -> selectors.EventFilters:
        return selectors.EventFilters(**self.model_dump())


class EventOut(Schema):
    id: int
    sequence: int
    at: dt.datetime
    actor_username: str
    actor_name: str
    org_unit_code: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    division_code: str
    subject_key: str
    reason: str
    before: Any = Field(None)
    after: Any = Field(None)
    prev_hash: str
    hash: str


def _user(request: HttpRequest) -> Any:
    """The caller: a token's user when the API authenticated one, else the session's user."""
    auth = getattr(request, "auth", None)
    user = auth if getattr(auth, "is_authenticated", False) else getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        raise HttpError(401, "未登录")
    return user


@router.get("/events", response=list[EventOut], summary="审计事件列表", url_name="audit_event_list")
@paginate(PageNumberPagination, page_size=50)
def list_events(request: HttpRequest, filters: Query[EventFilterQuery]) -> Any:
    """Events in the caller's ``audit.view`` scope, newest first, filtered like the page.

    404 without ``audit.view``, or when ``division`` names a unit outside the caller's scope.
    """
    user = _user(request)
    wanted = filters.filters()
    if not selectors.may_view(user=user) or not selectors.filters_in_scope(
        user=user, filters=wanted
    ):
        raise HttpError(404, "Not Found")
    return selectors.events_for(user=user, filters=wanted)


@router.get(
    "/events/{event_id}",
    response=EventOut,
    summary="审计事件详情",
    url_name="audit_event_detail",
)
def get_event(request: HttpRequest, event_id: int) -> AuditEvent:
    """One event; 404 when it does not exist or lies outside the caller's scope."""
    return selectors.event_for(user=_user(request), pk=event_id)
