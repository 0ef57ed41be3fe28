"""Alerts worked by people: verification, dismissal, conversion, conflicts, pages, timeline."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from minzheng.audit.models import AuditEvent
from minzheng.divisions.models import Division
from minzheng.monitoring import services
from minzheng.monitoring.models import Alert
from minzheng.registry import selectors as registry_selectors
from minzheng.web import workdays
from tests.monitoring import factories as f
from tests.monitoring import situations

pytestmark = pytest.mark.django_db

HANDLER = ("monitoring.view", "alert.handle")


def test_one_active_alert_per_household_and_kind() -> None:
    first = f.alert()
    with pytest.raises(ValidationError):
        f.alert(first.household)
    with pytest.raises(IntegrityError), transaction.atomic():
        f.alert(first.household, clean=False)  # the database refuses it too
    # Another kind is another alert; a dismissed one frees the place.
    f.alert(first.household, kind=Alert.Kind.RISK)
    services.alert_dismiss(alert=first, by=None, reason="核实后不符合")
    again = f.alert(first.household)
    assert Alert.objects.filter(household=first.household).count() == 3
    assert again.status == Alert.Status.OPEN


def test_start_verification_sets_the_finishing_deadline(scoped_user: Any) -> None:
    worker = scoped_user(HANDLER, division=f.TOWNSHIP)
    alert = f.alert()
    started = services.alert_start_verification(alert=alert, by=worker, today=dt.date(2026, 9, 30))
    assert started.status == Alert.Status.IN_VERIFICATION
    assert started.verification_started_by == worker
    assert started.deadline == workdays.add_workdays(dt.date(2026, 9, 30), 15)
    event = AuditEvent.objects.get(action="alert.verification.start", object_id=str(alert.pk))
    assert event.actor_id == worker.pk


def test_second_worker_acting_on_the_same_alert_gets_a_clear_refusal(scoped_user: Any) -> None:
    alert = f.alert()
    services.alert_start_verification(alert=alert, by=None)
    with pytest.raises(services.AlertStateError) as caught:
        services.alert_start_verification(alert=alert, by=None)
    assert "核查中" in " ".join(caught.value.messages)
    services.alert_dismiss(alert=alert, by=None, reason="收入已超过标准")
    with pytest.raises(services.AlertStateError):
        services.alert_convert(alert=alert, case_id=7, by=None)


def test_dismissal_needs_a_reason() -> None:
    alert = f.alert()
    with pytest.raises(ValidationError):
        services.alert_dismiss(alert=alert, by=None, reason="  ")
    alert.refresh_from_db()
    assert alert.status == Alert.Status.OPEN


def test_convert_keeps_the_place_until_the_case_closes_it() -> None:
    alert = f.alert()
    converted = services.alert_convert(alert=alert, case_id=42, by=None)
    assert (converted.status, converted.case_id) == (Alert.Status.CONVERTED, 42)
    with pytest.raises(ValidationError):
        f.alert(alert.household)
    services.alert_close(alert=converted, by=None, reason="案件办结：已纳入低保")
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.CLOSED
    assert f.alert(alert.household).status == Alert.Status.OPEN


def test_worklist_orders_by_deadline_and_marks_overdue(client: Client, signed_in: Any) -> None:
    signed_in(["monitoring.view"], division=f.TOWNSHIP)
    late = f.alert(text="超期的预警", deadline=dt.date.today() - dt.timedelta(days=3))
    soon = f.alert(text="未超期的预警", kind=Alert.Kind.RISK)
    response = client.get(reverse("monitoring:alert_list"))
    page = response.content.decode()
    assert response.status_code == 200
    assert page.index("超期的预警") < page.index("未超期的预警")
    assert page.count("table-danger") == 1
    assert [a.pk for a in response.context["page"]] == [late.pk, soon.pk]
    assert response.context["counts"]["overdue"] == 1
    only_risk = client.get(reverse("monitoring:alert_list"), {"kind": "risk", "status": "active"})
    assert [a.pk for a in only_risk.context["page"]] == [soon.pk]


def test_alert_page_actions(client: Client, signed_in: Any) -> None:
    signed_in(HANDLER, division=f.TOWNSHIP)
    alert = f.alert()
    page = client.get(reverse("monitoring:alert_detail", kwargs={"pk": alert.pk}))
    assert 'data-testid="alert-start"' in page.content.decode()
    response = client.post(reverse("monitoring:alert_dismiss", kwargs={"pk": alert.pk}), {})
    assert response.status_code == 302
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.OPEN
    client.post(reverse("monitoring:alert_start", kwargs={"pk": alert.pk}))
    client.post(
        reverse("monitoring:alert_dismiss", kwargs={"pk": alert.pk}), {"reason": "家庭已搬离本市"}
    )
    done = Alert.objects.get(pk=alert.pk)
    assert (done.status, done.resolution_reason) == (Alert.Status.DISMISSED, "家庭已搬离本市")


def test_viewer_without_handle_sees_no_actions(client: Client, signed_in: Any) -> None:
    signed_in(["monitoring.view"], division=f.TOWNSHIP)
    alert = f.alert()
    page = client.get(reverse("monitoring:alert_detail", kwargs={"pk": alert.pk}))
    assert page.status_code == 200
    assert 'data-testid="alert-actions"' not in page.content.decode()
    response = client.post(reverse("monitoring:alert_start", kwargs={"pk": alert.pk}))
    assert response.status_code == 404


def test_other_township_gets_404(client: Client, signed_in: Any) -> None:
    signed_in(HANDLER, division="500101017")  # 太白街道, another township of 万州区
    alert = f.alert()
    assert (
        client.get(reverse("monitoring:alert_detail", kwargs={"pk": alert.pk})).status_code == 404
    )
    assert (
        client.post(reverse("monitoring:alert_start", kwargs={"pk": alert.pk})).status_code == 404
    )
    assert client.get(f"/api/monitoring/alerts/{alert.pk}").status_code == 404


def test_alerts_on_the_household_timeline() -> None:
    alert = f.alert(text="符合低保条件但未纳入（时间线）")
    services.alert_start_verification(alert=alert, by=None)
    services.alert_dismiss(alert=alert, by=None, reason="核实后收入超标")
    assert alert.household is not None
    entries = [
        e
        for e in registry_selectors.household_timeline(household=alert.household)
        if e.category == "alert"
    ]
    assert [e.title for e in entries] == [
        "主动发现预警（监测评估，分值 80）",
        "主动发现预警开始核查",
        "主动发现预警已排除",
    ]
    assert entries[2].detail == "核实后收入超标"
    assert entries[0].url == reverse("monitoring:alert_detail", kwargs={"pk": alert.pk})


def test_active_alerts_follow_a_retired_village() -> None:
    alert = f.alert()
    done = f.alert(kind=Alert.Kind.RISK)
    services.alert_dismiss(alert=done, by=None, reason="核实无困难")
    new = Division.objects.get(code="500101017200")  # 太白村, 太白街道
    old = alert.division
    assert services.alerts_rehome(old=old, new=new) == 1
    moved = Alert.objects.get(pk=alert.pk)
    assert (moved.division, moved.scope_path) == (new, new.path)
    assert Alert.objects.get(pk=done.pk).division == old
    assert AuditEvent.objects.filter(action="alert.rehome").count() == 1


def test_alert_page_shows_the_engine_on_the_household(
    client: Client, signed_in: Any, parameters: None
) -> None:
    signed_in(["monitoring.view"], division=f.TOWNSHIP)
    household = situations.poor_household("引擎户主")
    alert = f.alert(household)
    url = reverse("monitoring:alert_engine", kwargs={"pk": alert.pk})
    response = client.get(url)
    rows = {(r.programme, r.person_name) for r in response.context["rows"]}
    assert ("dibao", "") in rows
    assert response.context["explanation"] == ""
    explained = client.get(url, {"programme": "dibao"})
    assert "最低生活保障" in explained.context["explanation"]
