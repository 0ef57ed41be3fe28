"""Cases and monitoring's alerts: closing a case closes the alerts it converted (``alert_close``),
so that the household can be flagged again later. Cases call monitoring, never the reverse;
opening a case from an alert is ``services.case_open_from_alert``."""

from __future__ import annotations

from typing import Any

from minzheng.cases.models import Case
from minzheng.monitoring import selectors as monitoring_selectors
from minzheng.monitoring import services as monitoring_services
from minzheng.monitoring.models import Alert


def alert_note(alert: Any) -> str:
    """What the case records of its alert: kind and reasons, in one line."""
    reasons = "；".join(str(r.get("text", "")) for r in (alert.reasons or []) if r)
    return f"{alert.get_kind_display()}预警 #{alert.pk}：{reasons}"[:200]


def close_alerts_of(case: Case, *, by: Any, reason: str) -> int:
    """Close the alerts converted into ``case`` (when it closes). Returns how many."""
    converted = monitoring_selectors.alerts_of_household(case.household).filter(
        case_id=case.pk, status=Alert.Status.CONVERTED
    )
    n = 0
    for alert in converted:
        monitoring_services.alert_close(
            alert=alert, by=by, reason=f"案件 {case.number} 已办结：{reason}"[:500]
        )
        n += 1
    return n
