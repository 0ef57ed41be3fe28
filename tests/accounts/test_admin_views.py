"""The administration pages: users, assignments, roles, org units — scoped and audited."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from minzheng.accounts import services
from minzheng.accounts.models import OrgUnit, Role, RoleAssignment, User
from minzheng.audit.models import AuditEvent
from minzheng.divisions.models import Division

pytestmark = pytest.mark.django_db

PASSWORD = "Admin-views-2026"


@pytest.fixture
def admin_client(client: Client, scoped_user: Callable[..., User]) -> Client:
    """Signed in as a 万州区 administrator (user.manage and orgunit.manage over 500101)."""
    admin = scoped_user(
        ["user.manage", "orgunit.view", "orgunit.manage"], division="500101", username="wz-admin"
    )
    client.force_login(admin)
    return client


def _unit(code: str) -> OrgUnit:
    return OrgUnit.objects.get(code=code)


def _make(username: str, unit_code: str, full_name: str = "") -> User:
    return services.user_create(
        by=None,
        username=username,
        password=PASSWORD,
        full_name=full_name or username,
        org_unit=_unit(unit_code),
    )


def test_user_list_is_scoped_searchable_and_paginated(admin_client: Client) -> None:
    _make("wz-clerk", "station-500101001", "万州办事员")
    _make("ck-clerk", "county-bureau-500229", "城口办事员")
    for i in range(55):
        _make(f"wz-bulk-{i:02d}", "county-bureau-500101")
    url = reverse("accounts:user_list")
    page = admin_client.get(url).content.decode()
    assert "城口办事员" not in page
    assert len(re.findall(r'href="/accounts/users/\d+/"', page)) == 50
    assert "共 57 条" in page  # 55 + the clerk + the admin; nobody from 城口
    second = admin_client.get(url, {"page": 2}).content.decode()
    assert "wz-clerk" in second  # ordered by division: the station comes after the county

    found = admin_client.get(url, {"q": "万州办事"}).content.decode()
    assert "wz-clerk" in found
    assert "共 1 条" in found
    by_unit = admin_client.get(url, {"org_unit": "station-500101001"}).content.decode()
    assert "共 1 条" in by_unit
    none = admin_client.get(url, {"q": "城口办事员"}).content.decode()
    assert "没有符合条件的用户" in none


def test_filter_by_role(admin_client: Client) -> None:
    clerk = _make("wz-worker", "station-500101001")
    services.assignment_create(
        by=None,
        user=clerk,
        role=Role.objects.get(code="township_worker"),
        division=Division.objects.get(code="500101001"),
    )
    page = admin_client.get(reverse("accounts:user_list"), {"role": "township_worker"})
    text = page.content.decode()
    assert "wz-worker" in text
    assert "共 1 条" in text


def test_create_user_then_grant_and_withdraw_a_role(admin_client: Client) -> None:
    station = _unit("station-500101001")
    response = admin_client.post(
        reverse("accounts:user_create"),
        {
            "username": "li.na",
            "full_name": "李娜",
            "phone": "023-1234567",
            "org_unit": station.pk,
            "password": PASSWORD,
        },
    )
    user = User.objects.get(username="li.na")
    assert response["Location"] == reverse("accounts:user_detail", kwargs={"pk": user.pk})
    assert (user.full_name, user.org_unit_id) == ("李娜", station.pk)

    grant = reverse("accounts:assignment_create", kwargs={"pk": user.pk})
    worker = Role.objects.get(code="township_worker")
    outside = admin_client.post(grant, {"role": worker.pk, "division": "城口县（500229）"})
    assert "不在您的管理范围内" in outside.content.decode()
    assert RoleAssignment.objects.filter(user=user).count() == 0

    done = admin_client.post(grant, {"role": worker.pk, "division": "高笋塘街道（500101001）"})
    assert done.status_code == 302
    assignment = RoleAssignment.objects.get(user=user)
    assert (assignment.role_id, assignment.division.code) == (worker.pk, "500101001")
    detail = admin_client.get(done["Location"]).content.decode()
    assert "乡镇(街道)民政服务站工作人员" in detail

    close = reverse("accounts:assignment_close", kwargs={"pk": assignment.pk})
    admin_client.post(close, {"reason": "调岗"})
    assignment.refresh_from_db()
    assert assignment.closed_at is not None
    assert AuditEvent.objects.filter(action="role_assignment.close").latest("id").reason == "调岗"


def test_create_user_form_shows_password_rule_errors(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("accounts:user_create"),
        {
            "username": "weak",
            "full_name": "弱密码",
            "org_unit": _unit("county-bureau-500101").pk,
            "password": "abcdefghijk",
        },
    )
    assert response.status_code == 200
    assert "密码必须同时包含字母和数字" in response.content.decode()
    assert not User.objects.filter(username="weak").exists()


def test_org_unit_outside_scope_cannot_be_chosen(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("accounts:user_create"),
        {
            "username": "elsewhere",
            "full_name": "外区",
            "org_unit": _unit("county-bureau-500229").pk,
            "password": PASSWORD,
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="elsewhere").exists()


def test_deactivated_user_cannot_sign_in(admin_client: Client) -> None:
    user = _make("leaver", "county-bureau-500101")
    admin_client.post(reverse("accounts:user_deactivate", kwargs={"pk": user.pk}))
    user.refresh_from_db()
    assert user.is_active is False
    response = Client().post(
        reverse("accounts:login"), {"username": "leaver", "password": PASSWORD}
    )
    assert response.status_code == 200
    admin_client.post(reverse("accounts:user_activate", kwargs={"pk": user.pk}))
    user.refresh_from_db()
    assert user.is_active is True


def test_reset_password_two_factor_and_unlock(admin_client: Client) -> None:
    user = _make("forgetful", "county-bureau-500101")
    url = reverse("accounts:user_password_reset", kwargs={"pk": user.pk})
    assert "密码规则" in admin_client.get(url).content.decode()
    admin_client.post(url, {"password": "Fresh-start-2026"})
    user.refresh_from_db()
    assert user.check_password("Fresh-start-2026")

    services.totp_enrol(user=user)
    admin_client.post(reverse("accounts:user_totp_reset", kwargs={"pk": user.pk}))
    assert TOTPDevice.objects.filter(user=user).count() == 0

    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post(reverse("accounts:login"), {"username": "forgetful", "password": "x"})
    detail = admin_client.get(reverse("accounts:user_detail", kwargs={"pk": user.pk}))
    assert "解除锁定" in detail.content.decode()
    admin_client.post(reverse("accounts:user_unlock", kwargs={"pk": user.pk}))
    signed_in = Client().post(
        reverse("accounts:login"), {"username": "forgetful", "password": "Fresh-start-2026"}
    )
    assert signed_in.status_code == 302
    assert AuditEvent.objects.filter(action="user.unlock", object_id=str(user.pk)).count() == 1


def test_division_picker_offers_only_divisions_in_scope(admin_client: Client) -> None:
    url = reverse("accounts:division_options")
    mine = admin_client.get(url, {"q": "高笋塘"}).content.decode()
    assert "高笋塘街道（500101001）" in mine
    by_code = admin_client.get(url, {"q": "500101001"}).content.decode()
    assert by_code.count("<option") == 1 + by_code.count("5001010010")
    assert admin_client.get(url, {"q": "城口"}).content.decode().strip() == ""
    # The picker itself sends its value under the field's name.
    assert "万州区（500101）" in admin_client.get(url, {"division": "万州"}).content.decode()


def test_role_edit_changes_what_a_holder_can_open(
    client: Client, scoped_user: Callable[..., User]
) -> None:
    city_admin = scoped_user(["user.manage", "role.manage"], division="500000")
    holder = scoped_user(division="500101")
    role = Role.objects.get(code="village_helper")
    RoleAssignment.objects.create(
        user=holder, role=role, division=Division.objects.get(code="500101")
    )
    holder_client = Client()
    holder_client.force_login(holder)
    assert holder_client.get(reverse("accounts:orgunit_list")).status_code == 200

    client.force_login(city_admin)
    edit = reverse("accounts:role_edit", kwargs={"pk": role.pk})
    page = client.get(edit).content.decode()
    assert "查看机构" in page  # the checkboxes carry the actions' labels
    client.post(
        edit,
        {"code": role.code, "name": role.name, "description": "", "actions": ["division.view"]},
    )
    role.refresh_from_db()
    assert role.actions == ["division.view"]
    assert holder_client.get(reverse("accounts:orgunit_list")).status_code == 404


def test_role_list_shows_labels_and_holders(admin_client: Client) -> None:
    page = admin_client.get(reverse("accounts:role_list")).content.decode()
    assert "村(社区)协理员" in page
    assert "管理用户与授权" in page
    assert (
        reverse("accounts:role_edit", kwargs={"pk": Role.objects.get(code="admin").pk}) not in page
    )


def test_org_units_list_detail_and_create(admin_client: Client) -> None:
    page = admin_client.get(reverse("accounts:orgunit_list"), {"q": "高笋塘"}).content.decode()
    assert "高笋塘街道民政服务站" in page
    outside = admin_client.get(reverse("accounts:orgunit_list"), {"q": "城口"}).content.decode()
    assert "没有符合条件的机构" in outside

    station = _unit("station-500101001")
    detail = admin_client.get(reverse("accounts:orgunit_detail", kwargs={"pk": station.pk}))
    assert "东方广场社区居民委员会" in detail.content.decode()

    response = admin_client.post(
        reverse("accounts:orgunit_create"),
        {
            "code": "so-wz-001",
            "name": "万州区阳光社会工作服务中心",
            "kind": "social_organization",
            "division": "万州区（500101）",
            "business_line": "",
        },
    )
    unit = OrgUnit.objects.get(code="so-wz-001")
    assert response["Location"] == reverse("accounts:orgunit_detail", kwargs={"pk": unit.pk})
    assert unit.division.code == "500101"
    refused = admin_client.post(
        reverse("accounts:orgunit_create"),
        {"code": "so-ck-001", "name": "城口", "kind": "charity", "division": "500229"},
    )
    assert "不在您的管理范围内" in refused.content.decode()
