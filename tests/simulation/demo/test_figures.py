"""The loop figures of the demo's loop: every number matches the rows it counts, the reader's
scope bounds them, and the page draws them with the bundled ECharts."""

from __future__ import annotations

import json
import re
import statistics

import pytest
from django.test import Client

from minzheng.accounts.models import User
from minzheng.cases import figures
from minzheng.cases.models import Case, CaseDeadline, Payment, Referral
from minzheng.monitoring.models import Alert
from minzheng.web import workdays
from tests.scope import make_scoped_user
from tests.simulation.demo.conftest import World

pytestmark = pytest.mark.django_db

TOWNSHIP = "500101001"


def _reader(division: str = TOWNSHIP) -> User:
    return make_scoped_user(("case.view",), division=division)


def test_the_figures_count_what_the_loop_left(loop_world: World) -> None:
    today = loop_world.today
    found = figures.loop_figures(user=_reader(), today=today)
    total = found.total
    alerts = Alert.objects.filter(scope_path__contains=f"/{TOWNSHIP}/")
    assert total.alerts == alerts.count() > 0
    assert total.alerts_to_cases == alerts.filter(case_id__isnull=False).count()
    assert total.cases == Case.objects.count()
    assert total.approved == Case.objects.filter(decision="approved").count() >= 3
    paid_ids = set(Payment.objects.values_list("case_id", flat=True))
    assert total.paid == len(paid_ids) == 2
    # Funnel: alerts ≥ converted ≥ approved ≥ paid, each counted on cases alerts joined.
    assert total.alerts >= total.alerts_to_cases >= total.funnel_approved >= total.funnel_paid
    from_alerts = set(alerts.filter(case_id__isnull=False).values_list("case_id", flat=True))
    assert total.funnel_paid == len(paid_ids & from_alerts)
    # Overdue.
    assert (
        total.overdue_alerts
        == alerts.filter(status__in=Alert.OPEN_STATUSES, deadline__lt=today).count()
    )
    assert (
        total.overdue_steps
        == CaseDeadline.objects.filter(met_on__isnull=True, due_on__lt=today).count()
        >= 2
    )
    open_referrals = Referral.objects.filter(status__in=Referral.OPEN_STATUSES)
    assert total.overdue_referrals == open_referrals.filter(due_on__lt=today).count() == 1
    assert total.referrals == {
        "done": Referral.objects.filter(status="done").count(),
        "declined": 0,
        "withdrawn": 0,
        "open": open_referrals.filter(due_on__gte=today).count(),
        "overdue": 1,
    }
    # The county row and the township row hold the same (everything is in 高笋塘街道).
    assert [r.name for r in found.counties] == ["万州区"]
    assert [r.name for r in found.townships] == ["高笋塘街道"]
    assert found.counties[0].cases == found.townships[0].cases == total.cases


def test_median_working_days_from_discovery_to_first_payment(loop_world: World) -> None:
    expected = []
    for case in Case.objects.filter(payments__isnull=False).distinct():
        starts = [case.accepted_on, case.opened_at.date()]
        starts += list(Alert.objects.filter(case_id=case.pk).values_list("raised_on", flat=True))
        assert case.decided_on is not None
        expected.append(workdays.workdays_between(min(d for d in starts if d), case.decided_on))
    found = figures.loop_figures(user=_reader(), today=loop_world.today)
    assert found.total.median_days == statistics.median(expected)
    assert all(days > 0 for days in expected)


def test_out_of_scope_readers_see_nothing_of_the_loop(loop_world: World) -> None:
    found = figures.loop_figures(user=_reader("500237"), today=loop_world.today)
    assert (found.total.alerts, found.total.cases, found.total.referrals_total) == (0, 0, 0)
    assert found.townships == []
    # A neighbouring township of the same county sees its county, without 高笋塘's numbers.
    neighbour = figures.loop_figures(user=_reader("500101017"), today=loop_world.today)
    assert neighbour.total.cases == 0


def test_the_page_draws_the_charts_and_the_table(loop_world: World, client: Client) -> None:
    client.force_login(_reader("500101"))
    response = client.get("/cases/figures/?county=500101")
    assert response.status_code == 200
    body = response.content.decode()
    assert "vendor/echarts/echarts.min.js" in body
    assert "cdn" not in body.lower()
    match = re.search(r'<script id="mz-figures-data" type="application/json">(.*?)</script>', body)
    assert match is not None
    chart = json.loads(match.group(1))
    assert chart["units"] == ["高笋塘街道"]
    assert chart["funnel"][0] == Alert.objects.filter(scope_path__contains="/500101/").count()
    assert chart["overdue_referrals"] == [1]
    assert 'data-testid="township-figures"' in body and ">高笋塘街道<" in body
    # The menu leads to the page.
    assert 'href="/cases/figures/"' in body
