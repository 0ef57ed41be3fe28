"""The runs page, a run's page and the runs API."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from minzheng.monitoring.models import ScreeningRun

pytestmark = pytest.mark.django_db


def _runs() -> tuple[ScreeningRun, ScreeningRun]:
    first = ScreeningRun.objects.create(
        as_of=dt.date(2026, 10, 8),
        trigger="scheduled",
        status="succeeded",
        duration_seconds=12.5,
        counts={"dibao": {"eligible": 40, "ineligible": 900}},
        alerts_created={"discovery": 5, "risk": 2},
    )
    second = ScreeningRun.objects.create(
        as_of=dt.date(2026, 10, 9),
        trigger="manual",
        status="succeeded",
        duration_seconds=11.0,
        previous=first,
        counts={"dibao": {"eligible": 42, "ineligible": 898}},
        alerts_updated={"discovery": 5, "risk": 2},
        alerts_created={"discovery": 3},
        alerts_closed={"discovery": 1},
        comparison={
            "newly_eligible": {"dibao": 3},
            "no_longer_eligible": {"dibao": 1},
            "newly_eligible_households": 3,
            "no_longer_eligible_households": 1,
        },
    )
    return first, second


def test_runs_page_lists_runs_and_charts_alerts(client: Client, signed_in: Any) -> None:
    signed_in(["monitoring.view"], division="500101")
    first, second = _runs()
    response = client.get(reverse("monitoring:run_list"))
    assert response.status_code == 200
    assert [r.pk for r in response.context["runs"]] == [second.pk, first.pk]
    chart = response.context["chart"]
    assert chart["created"] == [7, 3]
    assert chart["updated"] == [0, 7]
    assert chart["closed"] == [0, 1]
    page = response.content.decode()
    assert "vendor/echarts/echarts.min.js" in page
    assert 'data-testid="run-start"' not in page  # no monitoring.run


def test_run_page_shows_the_comparison(client: Client, signed_in: Any) -> None:
    signed_in(["monitoring.view", "monitoring.run"], division="500101")
    _first, second = _runs()
    response = client.get(reverse("monitoring:run_detail", kwargs={"pk": second.pk}))
    page = response.content.decode()
    assert response.status_code == 200
    assert response.context["changes"] == [("最低生活保障（低保）", 3, 1)]
    assert "最低生活保障（低保）" in page


def test_start_button_queues_a_run(client: Client, signed_in: Any) -> None:
    user = signed_in(["monitoring.view", "monitoring.run"], division="500101")
    response = client.post(reverse("monitoring:run_start"))
    assert response.status_code == 302
    run = ScreeningRun.objects.get()
    assert (run.status, run.trigger, run.requested_by) == ("pending", "manual", user)


def test_runs_api(client: Client, signed_in: Any) -> None:
    signed_in(["monitoring.view"], division="500101")
    _first, second = _runs()
    body = json.loads(client.get("/api/monitoring/runs").content)
    assert [r["id"] for r in body["items"]][:1] == [second.pk]
    detail = json.loads(client.get(f"/api/monitoring/runs/{second.pk}").content)
    assert detail["comparison"]["newly_eligible_households"] == 3
