"""发现报告: a village helper or any staff member reports a household (or person) in hardship.

The report is kept as written and raises an alert for the township station: the household's
active alert of the kind gets the report added to its reasons, or a new alert is opened —
``risk`` for a household that already receives a programme, ``discovery`` otherwise (and for a
person not in the registry yet, whose alert carries no household).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from minzheng.audit.services import record_event
from minzheng.divisions.models import Division
from minzheng.monitoring.conf import monitoring_settings
from minzheng.monitoring.models import Alert, HardshipReport
from minzheng.monitoring.services.alerts import deadline_for, station_for
from minzheng.registry import idnumbers, pii
from minzheng.registry import snapshot as registry_snapshot
from minzheng.registry.models import Household

REPORT_REASON = "report"


def _reason(report: HardshipReport, by: Any) -> dict[str, str]:
    who = getattr(by, "full_name", "") or by.get_username()
    text = report.description.strip().replace("\n", " ")
    if len(text) > 80:
        text = text[:80] + "…"
    return {"code": REPORT_REASON, "text": f"{who}报告：{text}"}


def report_create(
    *,
    by: Any,
    division: Division,
    description: str,
    household: Household | None = None,
    person_name: str = "",
    id_number: str = "",
    contact: str = "",
) -> HardshipReport:
    """Record a report and raise (or add to) the alert it calls for; returns the report.

    ``division`` is the village; ``household`` a registered household the reporter chose (in
    their scope), else ``person_name`` (required then) and optionally ``id_number``, which links
    the report to the person's household when the registry knows them.
    """
    conf = monitoring_settings()
    today = timezone.localdate()
    number = ""
    if id_number.strip():
        try:
            number = idnumbers.parse(id_number).value
        except idnumbers.InvalidIdNumber as exc:
            raise ValidationError({"id_number": str(exc)}) from exc
    if household is None and number:
        household = registry_snapshot.household_of_id_number(number)
    if household is not None:
        division = household.division
    with transaction.atomic():
        report = HardshipReport(
            reported_by=by,
            household=household,
            person_name=person_name.strip(),
            id_number_encrypted=pii.encrypt(number) if number else "",
            id_number_hash=pii.lookup_hash(number) if number else "",
            id_number_masked=idnumbers.mask(number) if number else "",
            division=division,
            scope_path=division.path,
            description=description.strip(),
            contact=contact.strip(),
        )
        report.full_clean()
        report.save()
        reason = _reason(report, by)
        alert: Alert | None = None
        if household is not None:
            kind = (
                Alert.Kind.RISK
                if registry_snapshot.household_enrolled(household, on=today)
                else Alert.Kind.DISCOVERY
            )
            alert = (
                Alert.objects.select_for_update()
                .filter(household=household, kind=kind, status__in=Alert.ACTIVE)
                .first()
            )
        else:
            kind = Alert.Kind.DISCOVERY
        if alert is not None:
            before = {"score": alert.score, "reasons": len(alert.reasons)}
            alert.reasons = [*alert.reasons, reason]
            alert.score = max(alert.score, conf.report_score)
            alert.updated_at = timezone.now()
            alert.full_clean()
            alert.save()
            action = "alert.report.add"
        else:
            before = None
            alert = Alert(
                kind=kind,
                source=Alert.Source.REPORT,
                household=household,
                division=division,
                scope_path=division.path,
                station=station_for(division.code),
                score=conf.report_score,
                reasons=[reason],
                raised_on=today,
                deadline=deadline_for(kind, today, conf),
            )
            alert.full_clean()
            alert.save()
            action = "alert.report.create"
        report.alert = alert
        report.save(update_fields=["alert"])
        record_event(
            actor=by,
            action="report.create",
            obj=report,
            after={
                "household": household.number if household is not None else "",
                "person_name": report.person_name,
                "id_number": report.id_number_masked,
                "alert": alert.pk,
            },
            division_code=division.code,
            subject_key=report.id_number_hash,
        )
        record_event(
            actor=by,
            action=action,
            obj=alert,
            before=before,
            after={"score": alert.score, "reasons": len(alert.reasons), "kind": alert.kind},
            division_code=division.code,
            subject_key=report.id_number_hash,
        )
    return report
