"""Who may reach monitoring's pages and API (run by tests/test_every_page_scoped.py).

Each alert case makes an alert on a household in 东方广场社区 (高笋塘街道, 万州区) whose reason
carries ``MARKER``; the in-scope user holds the action over 高笋塘街道 (500101001), the
out-of-scope one over 巫山县 (500237). Screening runs are city-wide counts: any holder of
``monitoring.view`` reads them (``no_object``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from minzheng.monitoring.models import ScreeningRun
from tests.monitoring import factories as f
from tests.registry import factories as rf
from tests.scope import scope_case

# ASCII, so that the API's escaped JSON shows it too.
MARKER = "scope-marker-alert-7"
INSIDE = f.TOWNSHIP
OUTSIDE = f.OUTSIDE


def _alert_kwargs() -> dict[str, int]:
    return {"pk": f.alert(text=MARKER).pk}


def _api_alert_kwargs() -> dict[str, int]:
    return {"alert_id": f.alert(text=MARKER).pk}


def _household_kwargs() -> dict[str, str]:
    return {"number": rf.household().number}


def _explanation_kwargs() -> dict[str, str]:
    return {"number": rf.household().number, "programme": "dibao"}


def _list_setup() -> None:
    f.alert(text=MARKER)


def _run() -> ScreeningRun:
    return ScreeningRun.objects.create(
        as_of=dt.date(2026, 10, 9), trigger="manual", status="succeeded"
    )


def _run_kwargs() -> dict[str, Any]:
    return {"pk": _run().pk}


def _api_run_kwargs() -> dict[str, Any]:
    return {"run_id": _run().pk}


CASES = [
    scope_case("monitoring:run_list", action="monitoring.view", no_object=True),
    scope_case(
        "monitoring:run_detail", kwargs=_run_kwargs, action="monitoring.view", no_object=True
    ),
    scope_case(
        "monitoring:run_start",
        method="post",
        action="monitoring.run",
        no_object=True,
        expect=302,
    ),
    scope_case(
        "monitoring:alert_list",
        setup=_list_setup,
        action="monitoring.view",
        inside=INSIDE,
        outside=OUTSIDE,
        shows=MARKER,
    ),
    scope_case(
        "monitoring:alert_detail",
        kwargs=_alert_kwargs,
        action="monitoring.view",
        inside=INSIDE,
        outside=OUTSIDE,
    ),
    scope_case(
        "monitoring:alert_engine",
        kwargs=_alert_kwargs,
        action="monitoring.view",
        inside=INSIDE,
        outside=OUTSIDE,
    ),
    scope_case(
        "monitoring:alert_start",
        kwargs=_alert_kwargs,
        method="post",
        action="alert.handle",
        inside=INSIDE,
        outside=OUTSIDE,
        expect=302,
    ),
    scope_case(
        "monitoring:alert_dismiss",
        kwargs=_alert_kwargs,
        method="post",
        data={"reason": "经入户核实，收入已超过标准"},
        action="alert.handle",
        inside=INSIDE,
        outside=OUTSIDE,
        expect=302,
    ),
    scope_case(
        "monitoring:report_new",
        action="report.create",
        inside=INSIDE,
        outside=OUTSIDE,
        shows="东方广场社区",
    ),
    scope_case(
        "api:monitoring_alert_list",
        setup=_list_setup,
        action="monitoring.view",
        inside=INSIDE,
        outside=OUTSIDE,
        shows=MARKER,
    ),
    scope_case(
        "api:monitoring_alert_detail",
        kwargs=_api_alert_kwargs,
        action="monitoring.view",
        inside=INSIDE,
        outside=OUTSIDE,
    ),
    # The engine's outcome for a household has the household page's scope (household.view).
    scope_case(
        "monitoring:household_outcome",
        kwargs=_household_kwargs,
        action="household.view",
        inside=INSIDE,
        outside=OUTSIDE,
    ),
    scope_case(
        "monitoring:household_explanation",
        kwargs=_explanation_kwargs,
        action="household.view",
        inside=INSIDE,
        outside=OUTSIDE,
    ),
    scope_case(
        "api:monitoring_household_determinations",
        kwargs=_household_kwargs,
        action="household.view",
        inside=INSIDE,
        outside=OUTSIDE,
    ),
    scope_case(
        "api:monitoring_household_explanation",
        kwargs=_explanation_kwargs,
        action="household.view",
        inside=INSIDE,
        outside=OUTSIDE,
    ),
    scope_case("api:monitoring_run_list", action="monitoring.view", no_object=True),
    scope_case(
        "api:monitoring_run_detail",
        kwargs=_api_run_kwargs,
        action="monitoring.view",
        no_object=True,
    ),
]
