"""Who may reach the registry's pages and API (run by tests/test_every_page_scoped.py).

Each case makes a household in 东方广场社区 (高笋塘街道, 万州区, 500101001001) whose head is
called ``MARKER``; the in-scope user holds the action over 高笋塘街道 (500101001), the
out-of-scope one over 巫山县 (500237).
"""

from __future__ import annotations

from typing import Any

from minzheng.registry import services
from tests.registry import factories as f
from tests.scope import scope_case

MARKER = "范围标记户主"
# The API's JSON escapes non-ASCII text, so its list case looks for an ASCII address.
ADDRESS_MARKER = "scope-marker-lane-7"
INSIDE = f.TOWNSHIP
OUTSIDE = "500237"


def _household() -> Any:
    head = f.person(None, name=MARKER)
    return f.household(None, head=head, address=ADDRESS_MARKER)


def _household_kwargs() -> dict[str, str]:
    return {"number": _household().number}


def _list_with_household() -> dict[str, str]:
    _household()
    return {}


def _person_kwargs() -> dict[str, int]:
    return {"pk": _household().head_id}


def _person_id_kwargs() -> dict[str, int]:
    return {"person_id": _household().head_id}


def _fact_kwargs() -> dict[str, Any]:
    household = _household()
    recorded = services.fact_record(
        by=None,
        kind="income",
        person=household.head,
        values={
            "kind": "wage",
            "amount": 1000,
            "period_start": "2024-01-01",
            "period_end": "2024-12-31",
        },
    )
    return {"number": household.number, "kind": "income", "pk": recorded.fact.pk}


CASES = [
    scope_case(
        "registry:household_list",
        kwargs=_list_with_household,
        action="household.view",
        inside=INSIDE,
        outside=OUTSIDE,
        shows=MARKER,
    ),
    scope_case(
        "registry:division_options",
        data={"q": "东方广场"},
        action="household.view",
        inside=INSIDE,
        outside=OUTSIDE,
        shows="东方广场社区",
    ),
    scope_case(
        "registry:household_detail",
        kwargs=_household_kwargs,
        action="household.view",
        inside=INSIDE,
        outside=OUTSIDE,
    ),
    scope_case(
        "registry:household_timeline",
        kwargs=_household_kwargs,
        action="household.view",
        inside=INSIDE,
        outside=OUTSIDE,
    ),
    scope_case(
        "registry:person_detail",
        kwargs=_person_kwargs,
        action="household.view",
        inside=INSIDE,
        outside=OUTSIDE,
    ),
    scope_case(
        "registry:person_reveal",
        kwargs=_person_kwargs,
        method="post",
        data={"purpose": "入户核查"},
        action="pii.view_full",
        inside=INSIDE,
        outside=OUTSIDE,
    ),
    scope_case(
        "registry:household_create",
        action="household.edit",
        inside=INSIDE,
        outside=OUTSIDE,
        shows="东方广场社区",
    ),
    scope_case(
        "registry:member_add",
        kwargs=_household_kwargs,
        action="household.edit",
        inside=INSIDE,
        outside=OUTSIDE,
    ),
    scope_case(
        "registry:fact_add",
        kwargs=lambda: {**_household_kwargs(), "kind": "expenditure"},
        action="household.edit",
        inside=INSIDE,
        outside=OUTSIDE,
    ),
    scope_case(
        "registry:fact_close",
        kwargs=_fact_kwargs,
        method="post",
        data={"reason": "录入错误"},
        action="household.edit",
        inside=INSIDE,
        outside=OUTSIDE,
        expect=302,
    ),
    scope_case(
        "api:registry_household_search",
        kwargs=_list_with_household,
        action="household.view",
        inside=INSIDE,
        outside=OUTSIDE,
        shows=ADDRESS_MARKER,
    ),
    scope_case(
        "api:registry_household_detail",
        kwargs=_household_kwargs,
        action="household.view",
        inside=INSIDE,
        outside=OUTSIDE,
    ),
    scope_case(
        "api:registry_person_detail",
        kwargs=_person_id_kwargs,
        action="household.view",
        inside=INSIDE,
        outside=OUTSIDE,
    ),
]
