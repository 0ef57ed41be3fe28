"""Alerts on the household timeline (一户一条救助链): raised, taken up, and how each ended."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse

from minzheng.monitoring.models import Alert
from minzheng.registry.models import Household
from minzheng.registry.selectors import TimelineEntry, TimelineMember, register_category
from minzheng.registry.selectors import timeline as registry_timeline


def alert_entries(household: Household, members: list[TimelineMember]) -> Iterable[TimelineEntry]:
    """One entry when an alert was raised, one when verification started, one when it ended."""
    for alert in Alert.objects.filter(household=household).order_by("created_at", "id"):
        url = reverse("monitoring:alert_detail", kwargs={"pk": alert.pk})
        kind = alert.get_kind_display()
        yield TimelineEntry(
            when=alert.created_at,
            category="alert",
            title=f"{kind}预警（{alert.get_source_display()}，分值 {alert.score}）",
            detail="；".join(alert.reason_texts),
            url=url,
        )
        if alert.verification_started_at is not None:
            yield TimelineEntry(
                when=alert.verification_started_at,
                category="alert",
                title=f"{kind}预警开始核查",
                url=url,
            )
        if alert.resolved_at is not None:
            yield TimelineEntry(
                when=alert.resolved_at,
                category="alert",
                title=f"{kind}预警{alert.get_status_display()}",
                detail=alert.resolution_reason,
                url=url,
            )


def register() -> None:
    """Add the alert entries and their category to the registry's timeline."""
    register_category("alert", "预警", "bell")
    registry_timeline.register_provider("monitoring.alerts")(alert_entries)
