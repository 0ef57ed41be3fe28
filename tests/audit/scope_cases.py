"""Who may reach the auditor's pages and the audit API (run by tests/test_every_page_scoped.py).

Each case writes one event in 万州区 (500101); the in-scope auditor holds ``audit.view`` over
万州区, the out-of-scope one over 巫山县 (500237).
"""

from __future__ import annotations

from minzheng.audit import services
from tests.scope import scope_case

MARKER = "scope-marker-500101"


def _event_in_wanzhou() -> dict[str, int]:
    event = services.record_event(
        actor=None, action="scope.test", division_code="500101", reason=MARKER
    )
    return {"pk": event.pk}


def _event_id_in_wanzhou() -> dict[str, int]:
    return {"event_id": _event_in_wanzhou()["pk"]}


def _list_with_event() -> dict[str, int]:
    _event_in_wanzhou()
    return {}


CASES = [
    scope_case(
        "audit:event_list",
        kwargs=_list_with_event,
        action="audit.view",
        inside="500101",
        outside="500237",
        shows=MARKER,
    ),
    scope_case(
        "audit:event_detail",
        kwargs=_event_in_wanzhou,
        action="audit.view",
        inside="500101",
        outside="500237",
    ),
    scope_case(
        "audit:event_diff",
        kwargs=_event_in_wanzhou,
        action="audit.view",
        inside="500101",
        outside="500237",
    ),
    scope_case(
        "audit:event_export",
        kwargs=_list_with_event,
        data={"division": "500101"},
        action="audit.view",
        inside="500101",
        outside="500237",
    ),
    scope_case(
        "api:audit_event_list",
        kwargs=_list_with_event,
        action="audit.view",
        inside="500101",
        outside="500237",
        shows=MARKER,
    ),
    scope_case(
        "api:audit_event_detail",
        kwargs=_event_id_in_wanzhou,
        action="audit.view",
        inside="500101",
        outside="500237",
    ),
]
