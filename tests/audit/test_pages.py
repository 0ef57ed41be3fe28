"""The auditor's page, event detail, diff, export and API: filters return exactly what matches."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from minzheng.audit import services
from minzheng.audit.models import AuditEvent
from tests.scope import make_scoped_user

pytestmark = pytest.mark.django_db

SUBJECT = "a" * 64


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


@pytest.fixture
def events(divisions: Any) -> dict[str, AuditEvent]:
    """Events in 渝中区 (500103) seen by the county auditor, and two it must never see."""
    alice = make_scoped_user(["audit.view"], division="500103003", username="alice")
    alice.full_name = "张三"
    alice.save()
    bob = make_scoped_user(["audit.view"], division="500103001", username="bob")
    bob.full_name = "李四"
    bob.save()
    township = divisions.get("500103003")
    made = {
        "alice_division": services.record_event(
            actor=alice,
            action="division.change",
            obj=township,
            before={"name": "解放碑街道", "area_type": "urban"},
            after={"name": "解放碑街道（新）", "area_type": "urban"},
            reason="更名",
        ),
        "bob_user": services.record_event(
            actor=bob,
            action="user.create",
            obj=alice,
            division_code="500103001",
            after={"username": "alice"},
            subject_key=SUBJECT,
        ),
    }
    with mock.patch("django.utils.timezone.now", return_value=_at(dt.date(2025, 1, 15))):
        made["system_old"] = services.record_event(
            actor=None, action="user.update", division_code="500103001", after={"x": 1}
        )
    made["outside"] = services.record_event(
        actor=alice, action="user.create", division_code="500101"
    )
    made["city"] = services.record_event(actor=alice, action="user.create")
    return made


@pytest.fixture
def auditor(client: Client, divisions: Any) -> Client:
    """The county auditor of 渝中区, signed in."""
    client.force_login(make_scoped_user(["audit.view"], division="500103", username="auditor"))
    return client


def _listed(client: Client, **params: str) -> set[int]:
    response = client.get(reverse("audit:event_list"), params)
    assert response.status_code == 200
    return {e.pk for e in response.context["page"]}


def _body(response: Any) -> bytes:
    """The bytes of a streamed (file) response."""
    return b"".join(response.streaming_content)


def _ids(events: dict[str, AuditEvent], *names: str) -> set[int]:
    return {events[n].pk for n in names}


def test_anonymous_is_sent_to_login() -> None:
    response = Client().get(reverse("audit:event_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_auditor_sees_only_events_in_scope(auditor: Client, events: dict[str, AuditEvent]) -> None:
    assert _listed(auditor) == _ids(events, "alice_division", "bob_user", "system_old")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"actor": "alice"}, ["alice_division"]),
        ({"actor": "ALICE"}, ["alice_division"]),
        ({"actor": "李"}, ["bob_user"]),
        ({"subject_key": SUBJECT}, ["bob_user"]),
        ({"object_type": "divisions.division"}, ["alice_division"]),
        ({"object_type": "accounts.user", "object_id": "-1"}, []),
        ({"org_unit": "scope-test-500103001"}, ["bob_user"]),
        ({"division": "500103003"}, ["alice_division"]),
        ({"division": "500103"}, ["alice_division", "bob_user", "system_old"]),
        ({"action": "user.create"}, ["bob_user"]),
        ({"action": "user."}, ["bob_user", "system_old"]),
        ({"action": "user"}, []),
        ({"date_from": "2025-01-15", "date_to": "2025-01-15"}, ["system_old"]),
        ({"date_to": "2025-01-14"}, []),
        ({"actor": "bob", "action": "division.change"}, []),
    ],
)
def test_filters_return_exactly_the_matching_events(
    auditor: Client, events: dict[str, AuditEvent], params: dict[str, str], expected: list[str]
) -> None:
    assert _listed(auditor, **params) == _ids(events, *expected)


def test_filter_by_object_type_and_id(auditor: Client, events: dict[str, AuditEvent]) -> None:
    target = events["bob_user"]
    params = {"object_type": "accounts.user", "object_id": target.object_id}
    assert _listed(auditor, **params) == {target.pk}


def test_filter_on_a_division_outside_scope_is_404(
    auditor: Client, events: dict[str, AuditEvent]
) -> None:
    assert auditor.get(reverse("audit:event_list"), {"division": "500101"}).status_code == 404


def test_bad_dates_show_an_error_and_no_events(
    auditor: Client, events: dict[str, AuditEvent]
) -> None:
    response = auditor.get(
        reverse("audit:event_list"), {"date_from": "2025-02-01", "date_to": "2025-01-01"}
    )
    assert response.status_code == 200
    assert list(response.context["page"]) == []
    assert "起始日期不能晚于截止日期" in response.content.decode()


def test_list_is_paginated(auditor: Client, divisions: Any) -> None:
    for i in range(55):
        services.record_event(
            actor=None, action="test.many", division_code="500103", after={"i": i}
        )
    first = auditor.get(reverse("audit:event_list"), {"action": "test.many"})
    second = auditor.get(reverse("audit:event_list"), {"action": "test.many", "page": "2"})
    assert (len(first.context["page"]), len(second.context["page"])) == (50, 5)
    assert first.context["page"].paginator.count == 55
    assert "action=test.many&amp;page=2" in first.content.decode()


def test_chain_status_banner(auditor: Client, events: dict[str, AuditEvent]) -> None:
    body = auditor.get(reverse("audit:event_list")).content.decode()
    assert "尚未校验" in body
    services.verify_chain()
    body = auditor.get(reverse("audit:event_list")).content.decode()
    assert "最近一次校验通过" in body


def test_detail_in_scope_and_out_of_scope(auditor: Client, events: dict[str, AuditEvent]) -> None:
    inside = auditor.get(reverse("audit:event_detail", args=[events["alice_division"].pk]))
    assert inside.status_code == 200
    body = inside.content.decode()
    assert events["alice_division"].hash in body
    assert "更名" in body
    outside = auditor.get(reverse("audit:event_detail", args=[events["outside"].pk]))
    assert outside.status_code == 404
    city = auditor.get(reverse("audit:event_detail", args=[events["city"].pk]))
    assert city.status_code == 404


def test_city_wide_auditor_sees_events_without_a_division(
    client: Client, events: dict[str, AuditEvent]
) -> None:
    client.force_login(make_scoped_user(["audit.view"], division="500000"))
    assert client.get(reverse("audit:event_detail", args=[events["city"].pk])).status_code == 200
    assert _ids(events, "city", "outside", "bob_user") <= _listed(client, action="user.create")


def test_diff_shows_changed_fields(auditor: Client, events: dict[str, AuditEvent]) -> None:
    response = auditor.get(
        reverse("audit:event_diff", args=[events["alice_division"].pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    rows = {r.field: r for r in response.context["rows"]}
    assert (rows["name"].before, rows["name"].after, rows["name"].changed) == (
        "解放碑街道",
        "解放碑街道（新）",
        True,
    )
    assert rows["area_type"].changed is False
    assert response.content.decode().count('class="table-warning"') == 1


def test_export_rows_equal_the_filtered_events(
    auditor: Client, events: dict[str, AuditEvent]
) -> None:
    response = auditor.get(reverse("audit:event_export"), {"action": "user."})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    workbook = load_workbook(BytesIO(_body(response)), read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("ID", "序号", "时间")
    # Newest first, as on the page.
    assert [r[0] for r in rows[1:]] == [events["system_old"].pk, events["bob_user"].pk]
    bob_row = rows[2]
    assert bob_row[3:7] == ("bob", "李四", "scope-test-500103001", "user.create")
    assert bob_row[11] == SUBJECT

    export = AuditEvent.objects.filter(action="audit.export").get()
    assert export.actor_username == "auditor"
    assert export.after == {"filters": {"action": "user."}, "rows": 2}


def test_export_never_turns_text_into_a_formula(auditor: Client, divisions: Any) -> None:
    services.record_event(
        actor=None, action="test.formula", division_code="500103", reason='=HYPERLINK("x")'
    )
    response = auditor.get(reverse("audit:event_export"), {"action": "test.formula"})
    workbook = load_workbook(BytesIO(_body(response)))
    cell = workbook.active.cell(row=2, column=13)
    assert (cell.value, cell.data_type) == ('=HYPERLINK("x")', "s")


def test_api_lists_with_the_same_filters_and_scope(
    auditor: Client, events: dict[str, AuditEvent]
) -> None:
    response = auditor.get(reverse("api:audit_event_list"), {"action": "user."})
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 2
    assert [item["id"] for item in data["items"]] == [
        events["system_old"].pk,
        events["bob_user"].pk,
    ]
    detail = auditor.get(reverse("api:audit_event_detail", args=[events["outside"].pk]))
    assert detail.status_code == 404
    assert Client().get(reverse("api:audit_event_list")).status_code == 401
