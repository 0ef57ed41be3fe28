"""From an alert to a case and back: the alert page's button opens (or joins) the household's case
and converts the alert; closing the case closes the alerts it converted."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from minzheng.cases import services
from minzheng.cases.models import Case
from minzheng.monitoring.models import Alert
from tests.cases import factories as f
from tests.monitoring import factories as mf

pytestmark = pytest.mark.django_db


def test_an_alert_becomes_a_case_and_the_case_closing_closes_it() -> None:
    household = f.elderly_household()
    alert = mf.alert(household, text="符合低保条件但未纳入")
    case = services.case_open_from_alert(alert=alert, by=None)
    alert.refresh_from_db()
    assert (case.origin, case.alert_id, alert.status, alert.case_id) == (
        Case.Origin.ALERT,
        alert.pk,
        Alert.Status.CONVERTED,
        case.pk,
    )
    assert "符合低保条件但未纳入" in case.origin_note

    services.case_withdraw(case=case, by=None, expected_version=1, reason="经核实收入超标")
    alert.refresh_from_db()
    assert alert.status == Alert.Status.CLOSED
    assert "经核实收入超标" in alert.resolution_reason


def test_a_second_alert_joins_the_case_in_procedure() -> None:
    household = f.elderly_household()
    first = services.case_open_from_alert(alert=mf.alert(household), by=None)
    second_alert = mf.alert(household, kind=Alert.Kind.RISK)
    second = services.case_open_from_alert(alert=second_alert, by=None)
    assert second.pk == first.pk
    assert Case.objects.filter(household=household).count() == 1


def test_an_alert_without_a_household_or_already_handled_is_refused() -> None:
    household = f.elderly_household()
    dismissed = mf.alert(household, status=Alert.Status.DISMISSED, resolution_reason="已核实")
    with pytest.raises(ValidationError, match="不能转为案件"):
        services.case_open_from_alert(alert=dismissed, by=None)


def test_the_alert_page_button_opens_the_case(client: Client) -> None:
    worker = f.worker()
    alert = mf.alert(f.elderly_household())
    client.force_login(worker)
    response = client.post(reverse("cases:from_alert", args=[alert.pk]))
    case = Case.objects.get(alert_id=alert.pk)
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.number])
