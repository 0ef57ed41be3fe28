"""``minzheng serve``'s workers run the apps' warm-up jobs before taking requests: the household
engine's plan for today is then prepared in the worker, and the household page reuses it."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.apps import apps
from django.db import connections
from django.utils import timezone

from minzheng.engine import household as household_engine
from minzheng.engine.plan import compiled
from minzheng.monitoring import outcomes
from minzheng.web import gunicorn_conf

pytestmark = pytest.mark.django_db(transaction=True)


def _in_fresh_thread(work: Any) -> Any:
    """Run ``work`` in a new thread (a new worker's state: its own household engine)."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = work()
        except BaseException as error:  # re-raised in the test's thread
            result["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


def test_a_worker_prepares_todays_household_plan_before_its_first_request() -> None:
    def work() -> tuple[list[str], str, list[str]]:
        gunicorn_conf.post_worker_init(None)
        prepared = list(household_engine.engine()._prepared)
        snap, _from_seed = outcomes.parameters_on(timezone.localdate())
        expected = compiled(snap, "duckdb", packed_counts=True).key  # the household engine's
        # The first household of the day goes through the plan already prepared.
        outcomes.warm_up()
        return prepared, expected, list(household_engine.engine()._prepared)

    prepared, expected, after = _in_fresh_thread(work)
    assert prepared == [expected]
    assert after == [expected]


def test_a_failing_warm_up_job_is_logged_and_the_worker_serves_anyway(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    config = apps.get_app_config("monitoring")
    monkeypatch.setattr(config, "warm_up_jobs", ("minzheng.monitoring.outcomes.no_such_job",))
    gunicorn_conf.post_worker_init(None)
    assert "warm-up job minzheng.monitoring.outcomes.no_such_job failed" in caplog.text
