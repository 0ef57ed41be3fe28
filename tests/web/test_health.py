"""/health: database, worker heartbeat, task queue and version."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minzheng.web import services
from minzheng.web.selectors import platform_version
from tests.web.tasks_for_tests import add

pytestmark = pytest.mark.django_db


def _health(client: Client) -> dict:
    response = client.get(reverse("web:health"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()


def test_health_without_a_worker_reports_database_ok_and_worker_missing(client: Client) -> None:
    report = _health(client)
    assert report["database"] == {"ok": True, "vendor": report["database"]["vendor"]}
    assert report["worker"] == {"ok": False, "last_seen": None, "age_seconds": None}
    assert report["tasks"] == {"ready": 0, "running": 0, "failed": 0}
    assert report["version"] == platform_version() == "0.1.0"


def test_a_fresh_heartbeat_makes_the_worker_ok(client: Client) -> None:
    services.heartbeat_start(worker_id="w1", host="test-host", pid=4242)
    worker = _health(client)["worker"]
    assert worker["ok"] is True
    assert 0 <= worker["age_seconds"] < 5


def test_a_heartbeat_older_than_a_minute_is_not_ok(client: Client) -> None:
    long_ago = timezone.now() - timedelta(seconds=61)
    services.heartbeat_start(worker_id="w1", host="test-host", pid=4242, at=long_ago)
    worker = _health(client)["worker"]
    assert worker["ok"] is False
    assert worker["age_seconds"] >= 61


def test_beating_brings_an_old_worker_back_to_ok(client: Client) -> None:
    long_ago = timezone.now() - timedelta(minutes=5)
    services.heartbeat_start(worker_id="w1", host="test-host", pid=4242, at=long_ago)
    assert services.heartbeat_beat(worker_id="w1") == 1
    assert _health(client)["worker"]["ok"] is True


def test_a_stopped_worker_is_not_ok_even_when_it_beat_just_now(client: Client) -> None:
    services.heartbeat_start(worker_id="w1", host="test-host", pid=4242)
    assert services.heartbeat_stop(worker_id="w1") == 1
    assert services.heartbeat_beat(worker_id="w1") == 0
    assert _health(client)["worker"]["ok"] is False


def test_starting_a_worker_forgets_heartbeats_older_than_a_week() -> None:
    from minzheng.web.models import WorkerHeartbeat

    old = timezone.now() - timedelta(days=8)
    services.heartbeat_start(worker_id="old", host="h", pid=1, at=old)
    services.heartbeat_start(worker_id="new", host="h", pid=2)
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["new"]


def test_enqueued_tasks_are_counted_as_ready(client: Client) -> None:
    add.enqueue(2, 3)
    add.enqueue(4, 5)
    assert _health(client)["tasks"] == {"ready": 2, "running": 0, "failed": 0}
