"""API authentication: bearer tokens for partner systems, sessions for pages; /api/accounts/me."""

from __future__ import annotations

import re
from collections.abc import Callable

import pyotp
import pytest
from django.test import Client
from django.urls import reverse

from minzheng.accounts import services
from minzheng.accounts.models import ApiToken, Role, RoleAssignment, User
from minzheng.audit.models import AuditEvent
from minzheng.divisions.models import Division

pytestmark = pytest.mark.django_db

ME = "/api/accounts/me"


@pytest.fixture
def agency_user(scoped_user: Callable[..., User]) -> User:
    from minzheng.accounts.models import OrgUnit

    user = scoped_user(
        username="medical-system", org_unit=OrgUnit.objects.get(code="agency-healthcare-security")
    )
    RoleAssignment.objects.create(
        user=user,
        role=Role.objects.get(code="partner_agency"),
        division=Division.objects.get(code="500000"),
    )
    return user


def _bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def test_token_reaches_the_api_as_its_user(client: Client, agency_user: User) -> None:
    token, raw = services.apitoken_create(by=None, user=agency_user, name="医保结算系统")
    assert raw.startswith("mz_")
    assert token.token_hash != raw
    assert raw not in str(AuditEvent.objects.filter(action="apitoken.create").latest("id").after)
    response = client.get(ME, headers=_bearer(raw))
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "medical-system"
    assert body["org_unit"]["name"] == "重庆市医疗保障局"
    assert [(s["role"], s["division_code"]) for s in body["scopes"]] == [
        ("partner_agency", "500000")
    ]
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize("header", ["Bearer mz_not-a-token", "Token abc", "Bearer "])
def test_bad_tokens_answer_401(client: Client, agency_user: User, header: str) -> None:
    assert client.get(ME, headers={"Authorization": header}).status_code == 401


def test_revoked_token_and_deactivated_user_answer_401(client: Client, agency_user: User) -> None:
    token, raw = services.apitoken_create(by=None, user=agency_user, name="a")
    services.apitoken_revoke(by=None, token=token)
    assert client.get(ME, headers=_bearer(raw)).status_code == 401
    _token2, raw2 = services.apitoken_create(by=None, user=agency_user, name="b")
    services.user_deactivate(by=None, user=agency_user)
    assert client.get(ME, headers=_bearer(raw2)).status_code == 401


def test_session_works_but_not_before_the_second_factor(
    client: Client, scoped_user: Callable[..., User]
) -> None:
    assert client.get(ME).status_code == 401
    officer = scoped_user(division="500101", username="api-officer", password="Api-officer-2026")
    RoleAssignment.objects.create(
        user=officer,
        role=Role.objects.get(code="county_officer"),
        division=Division.objects.get(code="500101"),
    )
    client.post(
        reverse("accounts:login"), {"username": "api-officer", "password": "Api-officer-2026"}
    )
    assert client.get(ME).status_code == 401
    _device, secret, _uri = services.totp_enrol(user=officer)
    client.post(reverse("accounts:two_factor"), {"token": pyotp.TOTP(secret).now()})
    response = client.get(ME)
    assert response.status_code == 200
    assert response.json()["two_factor_required"] is True


def test_admin_issues_a_token_once_and_revokes_it(
    client: Client, scoped_user: Callable[..., User], agency_user: User
) -> None:
    admin = scoped_user(["apitoken.manage"], division="500000")
    client.force_login(admin)
    page = client.post(
        reverse("accounts:token_create"), {"name": "医保结算系统", "user": "medical-system"}
    )
    html = page.content.decode()
    found = re.search(r'<code class="fs-6 user-select-all">(mz_[^<]+)</code>', html)
    assert found is not None
    raw = found.group(1)
    assert page["Cache-Control"] == "no-store"
    assert Client().get(ME, headers=_bearer(raw)).status_code == 200

    listing = client.get(reverse("accounts:token_list")).content.decode()
    assert raw[:10] in listing
    assert raw not in listing  # shown once, never again

    token = ApiToken.objects.get(user=agency_user)
    client.post(reverse("accounts:token_revoke", kwargs={"pk": token.pk}))
    assert Client().get(ME, headers=_bearer(raw)).status_code == 401
    assert AuditEvent.objects.filter(action="apitoken.revoke", actor=admin).count() == 1


def test_token_for_a_user_outside_scope_is_refused(
    client: Client, scoped_user: Callable[..., User], agency_user: User
) -> None:
    county_admin = scoped_user(["apitoken.manage"], division="500101")
    client.force_login(county_admin)
    page = client.post(
        reverse("accounts:token_create"), {"name": "x", "user": "medical-system"}
    ).content.decode()
    assert "不在您的管理范围内" in page
    assert ApiToken.objects.count() == 0
