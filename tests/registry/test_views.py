"""Registry pages and API: masked everywhere, the full number only with purpose and permission."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.urls import reverse

from minzheng.audit.models import AuditEvent
from minzheng.registry import pii, services
from minzheng.registry.models import Household, Income, Membership, Person
from tests.registry import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(divisions, client):
    user = f.worker()
    client.force_login(user)
    return user


@pytest.fixture
def home(worker):
    household = f.household(worker, head=f.person(worker, name="王建国"), address="东方广场1号")
    wife = f.person(worker, name="李秀英", sex="F", birth=date(1982, 3, 4))
    services.member_add(by=worker, household=household, person=wife, relation="spouse")
    son = f.person(worker, name="王小军", birth=date(2001, 5, 1))
    services.member_add(
        by=worker, household=household, person=son, relation="child", apart_reason="prison"
    )
    return household


def full_numbers(household: Household) -> list[str]:
    return [
        pii.decrypt(m.person.id_number_encrypted)
        for m in Membership.objects.filter(household=household).select_related("person")
    ]


def test_the_list_shows_masked_numbers_only(client, home):
    response = client.get(reverse("registry:household_list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert home.number in html
    assert home.head.id_number_masked in html
    for number in full_numbers(home):
        assert number not in html


def test_searching_by_a_full_number_finds_the_household_and_keeps_it_out_of_the_url(client, home):
    wife_number = full_numbers(home)[1]
    response = client.get(reverse("registry:household_list"), {"q": wife_number})
    assert response.status_code == 302
    assert wife_number not in response["Location"]
    assert home.head.id_number_masked[:6] in response["Location"]
    response = client.get(response["Location"])
    html = response.content.decode()
    assert response.context["page"].paginator.count == 1
    assert home.number in html
    assert "完整身份证号码" in html  # the hint says how it was read
    assert wife_number not in html


def test_household_page_shows_members_counting_and_sources(client, home, worker):
    services.fact_record(
        by=worker,
        kind="income",
        person=home.head,
        values={
            "kind": "wage",
            "amount": 24000,
            "period_start": date(2024, 1, 1),
            "period_end": date(2024, 12, 31),
        },
    )
    response = client.get(reverse("registry:household_detail", args=[home.number]))
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["detail"].counted_count == 2
    assert "服刑人员" in html
    assert "工作人员录入" in html
    assert "24000.00" in html
    for number in full_numbers(home):
        assert number not in html


def test_timeline_tab_lists_entries(client, home):
    response = client.get(
        reverse("registry:household_timeline", args=[home.number]), HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('data-testid="timeline-entry"') == len(response.context["entries"])
    assert "建立家庭档案" in html


def test_person_page_shows_sources_and_masked_number(client, home):
    response = client.get(reverse("registry:person_detail", args=[home.head_id]))
    html = response.content.decode()
    assert response.status_code == 200
    assert home.head.id_number_masked in html
    assert full_numbers(home)[0] not in html
    assert "查看完整身份证号码" in html


def test_full_number_needs_a_purpose_and_is_logged(client, home, worker):
    url = reverse("registry:person_reveal", args=[home.head_id])
    number = full_numbers(home)[0]
    response = client.post(url, {"purpose": ""})
    assert response.status_code == 200
    assert number not in response.content.decode()
    assert AuditEvent.objects.filter(action="pii.view").count() == 0

    response = client.post(url, {"purpose": "入户核查低保申请"})
    assert response.status_code == 200
    assert number in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action="pii.view")
    assert (event.reason, event.subject_key, event.actor_id) == (
        "入户核查低保申请",
        home.head.id_number_hash,
        worker.pk,
    )


def test_full_number_is_404_without_the_permission(client, home):
    client.force_login(f.worker(actions=("household.view",)))
    page = client.get(reverse("registry:person_detail", args=[home.head_id]))
    assert "查看完整身份证号码" not in page.content.decode()
    response = client.post(
        reverse("registry:person_reveal", args=[home.head_id]), {"purpose": "好奇"}
    )
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="pii.view").count() == 0


def test_a_worker_registers_a_household_and_its_head(client, worker):
    number = f.make_id_number(date(1966, 8, 8), "F")
    response = client.post(
        reverse("registry:household_create"),
        {
            "division": f.VILLAGE_2,
            "address": "乌龙池路18号",
            "id_number": number.lower(),
            "name": "陈桂兰",
            "disability_kind": "physical",
            "disability_grade": "2",
            "work_capacity": "partial",
            "valid_from": "2025-01-01",
        },
    )
    household = Household.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:household_detail", args=[household.number])
    assert household.division.code == f.VILLAGE_2
    head = household.head
    assert head is not None
    assert head.residence_division is not None
    assert (head.name, head.disability_grade, head.residence_division.code) == (
        "陈桂兰",
        2,
        f.VILLAGE_2,
    )
    assert head.field_sources["disability_grade"]["user"] == worker.username


def test_a_stated_birth_date_contradicting_the_number_is_shown_as_an_error(client, worker):
    number = f.make_id_number(date(1966, 8, 8), "F")
    response = client.post(
        reverse("registry:household_create"),
        {"division": f.VILLAGE, "id_number": number, "name": "陈桂兰", "birth_date": "1966-08-09"},
    )
    assert response.status_code == 200
    assert "与身份证号码不符" in response.content.decode()
    assert Person.objects.count() == 0
    assert Household.objects.count() == 0


def test_a_village_outside_scope_cannot_be_chosen(client, worker):
    response = client.post(
        reverse("registry:household_create"),
        {"division": f.OTHER_COUNTY_VILLAGE, "id_number": f.make_id_number(), "name": "外人"},
    )
    assert response.status_code == 200
    assert Household.objects.count() == 0


def test_adding_a_member_through_the_form(client, home):
    number = f.make_id_number(date(1940, 1, 1), "F")
    response = client.post(
        reverse("registry:member_add", args=[home.number]),
        {"id_number": number, "name": "王老太", "relation": "parent", "apart_reason": ""},
    )
    assert response.status_code == 302
    assert Membership.objects.filter(household=home, person__name="王老太").count() == 1
    response = client.post(
        reverse("registry:member_add", args=[home.number]),
        {"id_number": number, "name": "王老太", "relation": "parent", "apart_reason": ""},
    )
    assert response.status_code == 200
    assert "已是家庭" in response.content.decode()


def test_recording_and_closing_a_fact_through_the_forms(client, home):
    url = reverse("registry:fact_add", args=[home.number, "income"])
    data = {
        "person": home.head_id,
        "kind": "wage",
        "amount": "3000.00",
        "period_start": "2025-01-01",
        "period_end": "2025-01-31",
    }
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302  # the same again: no duplicate
    income = Income.objects.get()
    assert income.entered_by is not None
    response = client.post(
        reverse("registry:fact_close", args=[home.number, "income", income.pk]),
        {"reason": "录入错误"},
    )
    assert response.status_code == 302
    income.refresh_from_db()
    assert income.closed_at is not None


def test_the_api_serves_masked_numbers(client, home):
    response = client.get(reverse("api:registry_household_detail", kwargs={"number": home.number}))
    body = response.json()
    assert response.status_code == 200
    assert next(m["id_number_masked"] for m in body["members"]) == home.head.id_number_masked
    assert body["members_counted"] == 2
    text = json.dumps(body)
    for number in full_numbers(home):
        assert number not in text
    search = client.get(reverse("api:registry_household_search"), {"q": "王"}).json()
    assert search["count"] == 1
    assert search["items"][0]["members_counted"] == 2
