"""TOTP two-factor: enrolment, verification with a code from pyotp, enforcement, demo switch."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from io import StringIO

import pyotp
import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from minzheng.accounts import services
from minzheng.accounts.models import Role, RoleAssignment, User
from minzheng.audit.models import AuditEvent
from minzheng.divisions.models import Division

pytestmark = pytest.mark.django_db

PASSWORD = "Officer-test-2026"
LOGIN = reverse("accounts:login")
TWO_FACTOR = reverse("accounts:two_factor")
HOME = reverse("web:home")


@pytest.fixture
def officer(scoped_user: Callable[..., User]) -> User:
    """A county officer: the seeded role asks for two factors."""
    user = scoped_user(division="500101", username="officer", password=PASSWORD)
    RoleAssignment.objects.create(
        user=user,
        role=Role.objects.get(code="county_officer"),
        division=Division.objects.get(code="500101"),
    )
    return user


def _secret_from_page(html: str) -> str:
    found = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', html)
    assert found is not None
    return found.group(1).replace(" ", "")


def test_enrol_then_verify_with_pyotp(client: Client, officer: User) -> None:
    response = client.post(LOGIN, {"username": "officer", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith(TWO_FACTOR)
    # Every page sends the officer to the two-factor page until a code is given.
    blocked = client.get(reverse("accounts:password_change"))
    assert blocked.status_code == 302
    assert blocked["Location"].startswith(TWO_FACTOR)

    page = client.get(response["Location"]).content.decode()
    assert "绑定手机验证器" in page
    assert "<svg" in page  # the QR code, drawn on the server
    secret = _secret_from_page(page)
    assert _secret_from_page(client.get(TWO_FACTOR).content.decode()) == secret  # stable on reload

    now = pyotp.TOTP(secret).now()
    wrong = client.post(TWO_FACTOR, {"token": "000000" if now != "000000" else "111111"})
    assert "验证码不正确" in wrong.content.decode()
    device = TOTPDevice.objects.get(user=officer)
    assert (device.confirmed, device.throttling_failure_count) == (False, 1)
    # django-otp makes the next try wait after a failure; a test does not wait.
    device.throttle_reset()

    done = client.post(TWO_FACTOR, {"token": pyotp.TOTP(secret).now(), "next": HOME})
    assert (done.status_code, done["Location"]) == (302, HOME)
    assert client.get(HOME).status_code == 200
    assert TOTPDevice.objects.get(user=officer).confirmed is True
    assert AuditEvent.objects.filter(action="user.totp_confirm", actor=officer).count() == 1

    # A new sign-in asks for a code again; the next time step's code is accepted.
    other = Client()
    other.post(LOGIN, {"username": "officer", "password": PASSWORD})
    assert other.get(HOME)["Location"].startswith(TWO_FACTOR)
    verify_page = other.get(TWO_FACTOR).content.decode()
    assert "输入动态验证码" in verify_page
    assert "totp-secret" not in verify_page  # the secret is shown only while enrolling
    code = pyotp.TOTP(secret).at(time.time() + 30)
    assert other.post(TWO_FACTOR, {"token": code})["Location"] == HOME
    assert other.get(HOME).status_code == 200
    assert AuditEvent.objects.filter(action="user.login_two_factor", actor=officer).count() == 2


def test_a_used_code_is_refused(client: Client, officer: User) -> None:
    _device, secret, _uri = services.totp_enrol(user=officer)
    code = pyotp.TOTP(secret).now()
    assert services.totp_confirm(user=officer, token=code) is not None
    assert services.totp_verify(user=officer, token=code) is None


def test_users_without_the_requirement_go_straight_in(
    client: Client, scoped_user: Callable[..., User]
) -> None:
    scoped_user(["orgunit.view"], division="500101", username="helper", password=PASSWORD)
    response = client.post(LOGIN, {"username": "helper", "password": PASSWORD})
    assert response["Location"] == HOME
    assert client.get(HOME).status_code == 200


def test_htmx_requests_are_redirected_by_header(client: Client, officer: User) -> None:
    client.force_login(officer)
    response = client.get(HOME, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(TWO_FACTOR)


def test_demo_switch_skips_the_second_factor(
    client: Client, officer: User, settings: object
) -> None:
    settings.DEMO_SKIP_TWO_FACTOR = True  # type: ignore[attr-defined]
    response = client.post(LOGIN, {"username": "officer", "password": PASSWORD})
    assert response["Location"] == HOME
    assert client.get(HOME).status_code == 200


def test_reset_makes_the_user_enrol_again(client: Client, officer: User) -> None:
    _device, secret, _uri = services.totp_enrol(user=officer)
    services.totp_confirm(user=officer, token=pyotp.TOTP(secret).now())
    assert services.totp_reset(by=None, user=officer, reason="手机丢失") == 1
    client.force_login(officer)
    page = client.get(TWO_FACTOR).content.decode()
    assert "绑定手机验证器" in page
    assert _secret_from_page(page) != secret


def test_totp_code_command_prints_the_current_code(officer: User) -> None:
    _device, secret, _uri = services.totp_enrol(user=officer)
    out = StringIO()
    call_command("totp_code", "officer", stdout=out)
    assert out.getvalue().strip() == pyotp.TOTP(secret).now()
