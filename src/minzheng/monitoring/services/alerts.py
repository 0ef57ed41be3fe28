"""Writes on alerts by people: start verification, dismiss with a reason, convert, close.

Each is keyword-only, runs in one transaction on a row locked for the change, refuses a status
the alert cannot move from (``AlertStateError``), and writes an audit event.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from minzheng.accounts import selectors as account_selectors
from minzheng.accounts.models import OrgUnit
from minzheng.accounts.services.seed import station_code
from minzheng.audit.services import record_event
from minzheng.monitoring.conf import MonitoringSettings, monitoring_settings
from minzheng.monitoring.models import Alert
from minzheng.web import workdays

Status = Alert.Status

# Which statuses each action may leave from (the alert's small state machine).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "start_verification": (Status.OPEN,),
    "dismiss": (Status.OPEN, Status.IN_VERIFICATION),
    "convert": (Status.OPEN, Status.IN_VERIFICATION),
    "close": (Status.OPEN, Status.IN_VERIFICATION, Status.CONVERTED),
}


class AlertStateError(ValidationError):
    """The alert's status does not allow this action (someone else acted first)."""


def deadline_for(kind: str, start: dt.date, conf: MonitoringSettings | None = None) -> dt.date:
    """The verification deadline of a new alert of ``kind`` raised on ``start``."""
    conf = conf or monitoring_settings()
    return workdays.add_workdays(start, conf.deadline_workdays.get(kind, 3))


def station_for(
    village_code: str, cache: dict[str, OrgUnit | None] | None = None
) -> OrgUnit | None:
    """The service station of the village's township (None where none is seeded)."""
    township = village_code[:9]
    if cache is not None and township in cache:
        return cache[township]
    try:
        unit: OrgUnit | None = account_selectors.org_unit_by_code(station_code(township))
    except OrgUnit.DoesNotExist:
        unit = None
    if unit is not None and unit.closed_at is not None:
        unit = None
    if cache is not None:
        cache[township] = unit
    return unit


def _locked(alert: Alert, action: str) -> Alert:
    fresh = Alert.objects.select_for_update().get(pk=alert.pk)
    if fresh.status not in TRANSITIONS[action]:
        raise AlertStateError(
            f"该预警当前状态为“{fresh.get_status_display()}”，不能再执行此操作（可能已被他人处理）。"
        )
    return fresh


def _snapshot(alert: Alert) -> dict[str, Any]:
    return {"status": alert.status, "deadline": alert.deadline, "case_id": alert.case_id}


def _subject(alert: Alert) -> str:
    household = alert.household
    head = getattr(household, "head", None) if household is not None else None
    return getattr(head, "id_number_hash", "") or ""


def _division_code(alert: Alert) -> str:
    return alert.scope_path.rstrip("/").rsplit("/", 1)[-1]


def alert_start_verification(*, alert: Alert, by: Any, today: dt.date | None = None) -> Alert:
    """The township takes the alert up: ``in_verification``, with a deadline to finish."""
    day = today or timezone.localdate()
    conf = monitoring_settings()
    with transaction.atomic():
        fresh = _locked(alert, "start_verification")
        before = _snapshot(fresh)
        fresh.status = Status.IN_VERIFICATION
        fresh.verification_started_at = timezone.now()
        fresh.verification_started_by = by
        fresh.deadline = workdays.add_workdays(day, conf.verification_workdays)
        fresh.updated_at = timezone.now()
        fresh.full_clean()
        fresh.save()
        record_event(
            actor=by,
            action="alert.verification.start",
            obj=fresh,
            before=before,
            after=_snapshot(fresh),
            division_code=_division_code(fresh),
            subject_key=_subject(fresh),
        )
    return fresh


def alert_dismiss(*, alert: Alert, by: Any, reason: str) -> Alert:
    """Verification found nothing to do: ``dismissed``, with the reason written down."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "排除预警必须填写原因。"})
    with transaction.atomic():
        fresh = _locked(alert, "dismiss")
        before = _snapshot(fresh)
        fresh.status = Status.DISMISSED
        fresh.resolution_reason = reason
        fresh.resolved_at = timezone.now()
        fresh.resolved_by = by
        fresh.updated_at = timezone.now()
        fresh.full_clean()
        fresh.save()
        record_event(
            actor=by,
            action="alert.dismiss",
            obj=fresh,
            before=before,
            after=_snapshot(fresh),
            reason=reason,
            division_code=_division_code(fresh),
            subject_key=_subject(fresh),
        )
    return fresh


def alert_convert(*, alert: Alert, case_id: int, by: Any) -> Alert:
    """The alert became case ``case_id`` (called by the cases app when it opens the case).

    The alert stays the household's active one of its kind (no second alert is raised while
    the case runs) until the case closes it with ``alert_close``.
    """
    with transaction.atomic():
        fresh = _locked(alert, "convert")
        before = _snapshot(fresh)
        fresh.status = Status.CONVERTED
        fresh.case_id = case_id
        fresh.resolved_at = timezone.now()
        fresh.resolved_by = by
        fresh.updated_at = timezone.now()
        fresh.full_clean()
        fresh.save()
        record_event(
            actor=by,
            action="alert.convert",
            obj=fresh,
            before=before,
            after=_snapshot(fresh),
            division_code=_division_code(fresh),
            subject_key=_subject(fresh),
        )
    return fresh


def alert_close(*, alert: Alert, by: Any, reason: str) -> Alert:
    """Close an alert (e.g. its case ended): it no longer holds the household's place."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "关闭预警必须说明原因。"})
    with transaction.atomic():
        fresh = _locked(alert, "close")
        before = _snapshot(fresh)
        fresh.status = Status.CLOSED
        fresh.resolution_reason = reason
        if fresh.resolved_at is None:
            fresh.resolved_at = timezone.now()
            fresh.resolved_by = by
        fresh.updated_at = timezone.now()
        fresh.full_clean()
        fresh.save()
        record_event(
            actor=by,
            action="alert.close",
            obj=fresh,
            before=before,
            after=_snapshot(fresh),
            reason=reason,
            division_code=_division_code(fresh),
            subject_key=_subject(fresh),
        )
    return fresh


def alerts_rehome(*, old: Any, new: Any) -> int:
    """A village was retired into ``new``: its active alerts follow (scope, village, station).

    Returns how many moved; one audit event records the move.
    """
    with transaction.atomic():
        moving = list(
            Alert.objects.select_for_update().filter(division=old, status__in=Alert.ACTIVE)
        )
        if not moving:
            return 0
        station = station_for(new.code)
        Alert.objects.filter(pk__in=[a.pk for a in moving]).update(
            division=new, scope_path=new.path, station=station, updated_at=timezone.now()
        )
        record_event(
            actor=None,
            action="alert.rehome",
            after={"from": old.code, "to": new.code, "alerts": [a.pk for a in moving]},
            division_code=new.code,
        )
    return len(moving)
