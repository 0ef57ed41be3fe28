"""Opening a case from an alert (the alert page's "转为案件" button)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from minzheng.cases.alerts import alert_note
from minzheng.cases.models import Case
from minzheng.cases.services.steps import case_open, open_case_of
from minzheng.monitoring import services as monitoring_services
from minzheng.monitoring.models import Alert


@transaction.atomic
def case_open_from_alert(*, alert: Any, by: Any) -> Case:
    """Open a case for the alert's household — or join the case already in procedure — and mark
    the alert converted into it (``monitoring.services.alert_convert``)."""
    if alert.household is None:
        raise ValidationError("该预警尚未对应登记的家庭，请先在家庭信息中登记后再受理。")
    if alert.status not in (Alert.Status.OPEN, Alert.Status.IN_VERIFICATION):
        raise ValidationError(f"该预警当前状态为“{alert.get_status_display()}”，不能转为案件。")
    case = open_case_of(alert.household)
    if case is None:
        case = case_open(
            household=alert.household,
            by=by,
            origin=Case.Origin.ALERT,
            origin_note=alert_note(alert),
            alert_id=alert.pk,
        )
    monitoring_services.alert_convert(alert=alert, case_id=case.pk, by=by)
    return case
