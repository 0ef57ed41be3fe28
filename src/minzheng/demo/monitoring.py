"""The demo's first screening run: parameters loaded from the seed if the database has none, then
one run over the population so that the township worklists have alerts waiting."""

from __future__ import annotations

from django.utils import timezone

from minzheng.monitoring import services as monitoring_services
from minzheng.monitoring.models import ScreeningRun
from minzheng.policy import selectors as policy_selectors
from minzheng.policy import services as policy_services


def first_screening_run() -> ScreeningRun | None:
    """Run the first screening (as today's scheduled run); None when a run exists already."""
    if ScreeningRun.objects.filter(status=ScreeningRun.Status.SUCCEEDED).exists():
        return None
    if not policy_selectors.parameter_definitions():
        policy_services.load_parameters()
    today = timezone.localdate()
    if ScreeningRun.objects.filter(trigger=ScreeningRun.Trigger.SCHEDULED, as_of=today).exists():
        return None  # the worker has queued or is doing today's run
    return monitoring_services.screening_run(as_of=today, trigger=ScreeningRun.Trigger.SCHEDULED)
