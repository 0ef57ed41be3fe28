"""The household registry over the API: search, household detail, person detail (ID numbers masked).

Same scope as the pages: households and persons outside the caller's ``household.view`` subtrees
do not exist for them (404), and a caller without ``household.view`` anywhere gets 404 from every
endpoint. The full ID number is never served here.
"""

# No ``from __future__ import annotations`` here: ninja reads the schemas' annotations at import.
import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from minzheng.accounts.scope import can
from minzheng.registry import labels, selectors
from minzheng.registry.selectors import VIEW_ACTION

router = Router(tags=["家庭信息"])

# Broad searches over millions of households count at most this many (``count`` above it means
# "more": narrow the search).
COUNT_CAP = 10_000


def _user(request: HttpRequest) -> Any:
    """The caller (a token's user or the session's): 401 if none, 404 without household.view."""
    auth = getattr(request, "auth", None)
    user = auth if getattr(auth, "is_authenticated", False) else getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        raise HttpError(401, "未登录")
    if not can(user, VIEW_ACTION):
        raise HttpError(404, "Not Found")
    return user


class SearchQuery(Schema):
    q: str = ""
    division: str = ""
    area_type: str = ""
    programme: str = ""
    include_closed: bool = False


class SourceOut(Schema):
    kind: str
    label: str
    detail: str
    at: dt.datetime | None
    batch_id: int | None


class HouseholdRowOut(Schema):
    number: str
    division_code: str
    village: str
    township: str
    address: str
    head_name: str
    head_id_masked: str
    members_recorded: int
    members_counted: int
    programmes: list[str]
    closed: bool


class MemberOut(Schema):
    person_id: int
    name: str
    id_number_masked: str
    sex: str
    age: int
    relation: str
    relation_label: str
    counted: bool
    not_counted_reason: str
    apart_reason: str
    disability: str
    work_capacity: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    source: SourceOut


class FactOut(Schema):
    id: int
    kind: str
    kind_label: str
    person_id: int | None
    person_name: str
    amount: Decimal | None
    value: Decimal | None
    floor_area: Decimal | None
    reference: str
    detail: str
    date: dt.date | None
    period_start: dt.date | None
    period_end: dt.date | None
    end_date: dt.date | None
    note: str
    source: SourceOut


class HouseholdOut(Schema):
    number: str
    division_code: str
    division: str
    area_type: str
    address: str
    closed_at: dt.datetime | None
    superseded_by: str | None
    members_counted: int
    members: list[MemberOut]
    past_members: list[MemberOut]
    incomes: list[FactOut]
    assets: list[FactOut]
    expenditures: list[FactOut]
    life_events: list[FactOut]
    enrolments: list[FactOut]


class AttributeOut(Schema):
    name: str
    label: str
    value: str
    source: SourceOut


class PersonOut(Schema):
    id: int
    name: str
    id_number_masked: str
    sex: str
    birth_date: dt.date
    age: int
    life_status: str
    household: str | None
    attributes: list[AttributeOut]


def _source(info: selectors.SourceInfo) -> dict[str, Any]:
    return {
        "kind": info.kind,
        "label": info.label,
        "detail": info.detail,
        "at": info.at,
        "batch_id": info.batch_id,
    }


def _member(row: selectors.MemberRow) -> dict[str, Any]:
    m, p = row.membership, row.person
    return {
        "person_id": p.pk,
        "name": p.name,
        "id_number_masked": p.id_number_masked,
        "sex": p.sex,
        "age": row.age,
        "relation": m.relation,
        "relation_label": row.relation,
        "counted": row.status.counted,
        "not_counted_reason": row.status.reason,
        "apart_reason": m.apart_reason,
        "disability": row.disability,
        "work_capacity": row.work_capacity,
        "valid_from": m.valid_from,
        "valid_to": m.valid_to,
        "source": _source(row.source),
    }


def _fact(row: selectors.FactRow) -> dict[str, Any]:
    fact = row.fact
    return {
        "id": fact.pk,
        "kind": getattr(fact, "kind", "") or getattr(fact, "programme", ""),
        "kind_label": row.kind_label,
        "person_id": row.person.pk if row.person else None,
        "person_name": row.person.name if row.person else "",
        "amount": getattr(fact, "amount", None) or getattr(fact, "monthly_amount", None),
        "value": getattr(fact, "value", None),
        "floor_area": getattr(fact, "floor_area", None),
        "reference": getattr(fact, "reference", ""),
        "detail": getattr(fact, "detail", ""),
        "date": getattr(fact, "date", None)
        or getattr(fact, "as_of", None)
        or getattr(fact, "start_date", None),
        "period_start": getattr(fact, "period_start", None),
        "period_end": getattr(fact, "period_end", None),
        "end_date": getattr(fact, "end_date", None),
        "note": row.note,
        "source": _source(row.source),
    }


@router.get(
    "/households",
    response=list[HouseholdRowOut],
    summary="家庭检索",
    url_name="registry_household_search",
)
@paginate(PageNumberPagination, page_size=25)
def household_search(request: HttpRequest, filters: Query[SearchQuery]) -> Any:
    """Households in the caller's scope matching ``q`` (name, full/masked/last-4 ID number,
    household number, address), a division subtree, area type and programme. 404 when
    ``division`` is outside the caller's scope. ``count`` stops at 10,001 (more than 10,000
    matches: narrow the search)."""
    user = _user(request)
    division = None
    if filters.division:
        division = selectors.division_in_scope(user, filters.division)
        if division is None:
            raise HttpError(404, "Not Found")
    households = selectors.household_search(
        user=user,
        q=filters.q,
        division=division,
        area_type=filters.area_type,
        programme=filters.programme,
        include_closed=filters.include_closed,
    )
    return _RowsQuerySet(households)


class _RowsQuerySet:
    """Paginates the households, then turns the page into rows (counts, programmes)."""

    def __init__(self, households: Any) -> None:
        self.households = households

    def count(self) -> int:
        return int(self.households.order_by()[: COUNT_CAP + 1].count())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[dict[str, Any]]:
        page = list(self.households[index])
        return [
            {
                "number": row.household.number,
                "division_code": row.household.division.code,
                "village": row.village,
                "township": row.township,
                "address": row.household.address,
                "head_name": row.head_name,
                "head_id_masked": row.head_id_masked,
                "members_recorded": row.members_recorded,
                "members_counted": row.members_counted,
                "programmes": row.programmes,
                "closed": row.household.closed_at is not None,
            }
            for row in selectors.household_rows(page)
        ]


@router.get(
    "/households/{number}",
    response=HouseholdOut,
    summary="家庭详情",
    url_name="registry_household_detail",
)
def household_detail(request: HttpRequest, number: str) -> Any:
    """Members (counted or not, and why), standing facts with their sources, enrolments."""
    user = _user(request)
    household = get_object_or_404(
        selectors.households_visible(user).select_related("division__parent", "superseded_by"),
        number=number,
    )
    detail = selectors.household_detail(household=household)
    return {
        "number": household.number,
        "division_code": household.division.code,
        "division": selectors.division_text(household.division),
        "area_type": household.area_type or household.division.area_type,
        "address": household.address,
        "closed_at": household.closed_at,
        "superseded_by": household.superseded_by.number if household.superseded_by else None,
        "members_counted": detail.counted_count,
        "members": [_member(m) for m in detail.members],
        "past_members": [_member(m) for m in detail.past_members],
        "incomes": [_fact(r) for r in detail.incomes],
        "assets": [_fact(r) for r in detail.assets],
        "expenditures": [_fact(r) for r in detail.expenditures],
        "life_events": [_fact(r) for r in detail.life_events],
        "enrolments": [_fact(r) for r in detail.enrolments],
    }


@router.get(
    "/persons/{person_id}",
    response=PersonOut,
    summary="人员详情（身份证号码脱敏）",
    url_name="registry_person_detail",
)
def person_detail(request: HttpRequest, person_id: int) -> Any:
    """A person's attributes with the source of each; the ID number masked."""
    user = _user(request)
    person = get_object_or_404(selectors.persons_visible(user), pk=person_id)
    detail = selectors.person_detail(person=person)
    return {
        "id": person.pk,
        "name": person.name,
        "id_number_masked": person.id_number_masked,
        "sex": person.sex,
        "birth_date": person.birth_date,
        "age": detail.age,
        "life_status": labels.label(labels.LIFE_STATUSES, person.life_status),
        "household": detail.household.number if detail.household else None,
        "attributes": [
            {"name": a.name, "label": a.label, "value": a.value, "source": _source(a.source)}
            for a in detail.attributes
        ],
    }
