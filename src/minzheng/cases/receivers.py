"""Hooks other apps offer the cases app: the division tree's re-homing signal and the household
timeline's providers (neither app imports cases)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse

from minzheng.accounts.scope import can_at
from minzheng.audit.services import record_event
from minzheng.cases import services
from minzheng.cases.models import Case
from minzheng.cases.selectors import timeline as case_timeline
from minzheng.divisions.models import Division
from minzheng.divisions.signals import division_rehomed
from minzheng.monitoring import hooks as monitoring_hooks
from minzheng.registry.selectors import actions as registry_actions

WORK = "case.work"


def on_division_rehomed(
    sender: Any, *, old: Division, new: Division, change: Any, **_: Any
) -> None:
    """A village was retired into ``new``: its cases not yet closed follow it."""
    with transaction.atomic():
        moving = list(
            Case.objects.filter(division=old)
            .exclude(status=Case.Status.CLOSED)
            .values_list("pk", flat=True)
        )
        if not moving:
            return
        Case.objects.filter(pk__in=moving).update(division=new)
        record_event(
            actor=None,
            action="case.rehome",
            obj=new,
            before={"division": old.code},
            after={"division": new.code, "cases": len(moving)},
            reason=f"区划调整：{old.code} → {new.code}",
        )


def household_case_actions(user: Any, household: Any) -> list[registry_actions.HouseholdAction]:
    """The household page's "受理申请" button (or a link to the case already in procedure)."""
    if household.closed_at is not None or not can_at(user, WORK, household.division):
        return []
    existing = services.open_case_of(household)
    if existing is not None:
        return [
            registry_actions.HouseholdAction(
                f"在办案件 {existing.number}",
                reverse("cases:detail", kwargs={"number": existing.number}),
                icon="signpost-split",
                testid="case-in-procedure",
            )
        ]
    return [
        registry_actions.HouseholdAction(
            "受理申请",
            reverse("cases:open", kwargs={"household": household.number}),
            icon="clipboard-plus",
            testid="case-accept",
        )
    ]


def connect() -> None:
    division_rehomed.connect(on_division_rehomed, dispatch_uid="cases.on_division_rehomed")
    case_timeline.register()
    registry_actions.register_household_action("cases")(household_case_actions)
    monitoring_hooks.register_alert_action("cases/_alert_action.html")
