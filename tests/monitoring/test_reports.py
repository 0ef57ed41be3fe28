"""发现报告: the form, the report kept, the alert it raises or adds to."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from minzheng.audit.models import AuditEvent
from minzheng.divisions.models import Division
from minzheng.monitoring import services
from minzheng.monitoring.models import Alert, HardshipReport
from minzheng.registry import pii
from minzheng.web import workdays
from tests.monitoring import factories as f
from tests.monitoring import situations as s
from tests.registry import factories as rf

pytestmark = pytest.mark.django_db


def _village() -> Division:
    return Division.objects.get(code=f.VILLAGE)


def test_village_helper_reports_a_person_not_yet_registered(client: Client, signed_in: Any) -> None:
    helper = signed_in(["report.create"], division=f.VILLAGE)
    number = rf.make_id_number()
    response = client.post(
        reverse("monitoring:report_new"),
        {
            "division": _village().pk,
            "person_name": "王大爷",
            "id_number": number,
            "description": "独居老人，近日摔伤卧床，无人照料。",
            "contact": "13800000000",
        },
    )
    assert response.status_code == 302
    report = HardshipReport.objects.get()
    assert (report.reported_by, report.person_name, report.household) == (helper, "王大爷", None)
    assert report.id_number_masked == number[:6] + "********" + number[-4:]
    assert number not in report.id_number_encrypted
    alert = report.alert
    assert alert is not None
    assert (alert.kind, alert.source, alert.status) == ("discovery", "report", "open")
    assert alert.scope_path == _village().path
    assert alert.deadline == workdays.add_workdays(alert.raised_on, 3)
    assert "摔伤卧床" in alert.reasons[0]["text"]
    assert AuditEvent.objects.filter(action="report.create", object_id=str(report.pk)).count() == 1


def test_report_needs_a_name_or_a_household(client: Client, signed_in: Any) -> None:
    signed_in(["report.create"], division=f.VILLAGE)
    response = client.post(
        reverse("monitoring:report_new"),
        {"division": _village().pk, "description": "生活困难"},
    )
    assert response.status_code == 200
    assert "请填写姓名" in response.content.decode()
    assert HardshipReport.objects.count() == 0


def test_report_on_a_household_outside_scope_is_refused(client: Client, signed_in: Any) -> None:
    signed_in(["report.create"], division=f.VILLAGE)
    elsewhere = rf.household(None, village=rf.OTHER_COUNTY_VILLAGE)
    response = client.post(
        reverse("monitoring:report_new"),
        {
            "division": _village().pk,
            "household_number": elsewhere.number,
            "description": "生活困难",
        },
    )
    assert response.status_code == 200
    assert HardshipReport.objects.count() == 0


def test_reports_on_a_registered_household_share_its_alert(scoped_user: Any) -> None:
    helper = scoped_user(["report.create"], division=f.VILLAGE)
    household = rf.household(None)
    first = services.report_create(
        by=helper, division=_village(), household=household, description="户主失业，孩子上学"
    )
    second = services.report_create(
        by=helper, division=_village(), household=household, description="又遭遇火灾"
    )
    assert first.alert is not None
    assert first.alert_id == second.alert_id
    alert = Alert.objects.get(pk=first.alert.pk)
    assert [r["code"] for r in alert.reasons] == ["report", "report"]
    assert alert.household == household


def test_report_by_id_number_finds_the_household_and_enrolled_means_risk(scoped_user: Any) -> None:
    helper = scoped_user(["report.create"], division=f.VILLAGE)
    household = s.enrolled_rich_household("在保户")
    assert household.head is not None
    report = services.report_create(
        by=helper,
        division=_village(),
        person_name="在保户",
        id_number=_id_number_of(household.head),
        description="家中老人重病住院",
    )
    assert report.household == household
    assert report.alert is not None and report.alert.kind == Alert.Kind.RISK


def _id_number_of(person: Any) -> str:
    return pii.decrypt(person.id_number_encrypted)
