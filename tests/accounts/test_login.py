"""Signing in: the page, lockout after repeated failures, idle timeout, logout, passwords."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

PASSWORD = "Login-test-2026"
LOGIN = reverse("accounts:login")
HOME = reverse("web:home")


@pytest.fixture
def clerk(scoped_user: Callable[..., User]) -> User:
    return scoped_user(["orgunit.view"], division="500101001", username="clerk", password=PASSWORD)


def _login(client: Client, username: str, password: str) -> Any:
    return client.post(LOGIN, {"username": username, "password": password})


def test_login_page_is_chinese_and_states_the_rules(client: Client) -> None:
    response = client.get(LOGIN)
    text = response.content.decode()
    assert response.status_code == 200
    assert "民政协同增效平台" in text
    assert "账号登录" in text
    assert "连续输错 5 次密码，账号将锁定 15 分钟" in text
    assert "30 分钟无操作将自动退出" in text
    assert "cdn" not in text.lower()


def test_good_password_signs_in_and_is_audited(client: Client, clerk: User) -> None:
    response = _login(client, "clerk", PASSWORD)
    assert (response.status_code, response["Location"]) == (302, HOME)
    assert client.get(HOME).status_code == 200
    event = AuditEvent.objects.filter(action="user.login").latest("id")
    assert event.actor_id == clerk.pk


def test_wrong_password_shows_an_error(client: Client, clerk: User) -> None:
    response = _login(client, "clerk", "Wrong-password-1")
    assert response.status_code == 200
    assert "账号或密码不正确" in response.content.decode()


def test_five_failures_lock_the_account_name(client: Client, clerk: User) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "clerk", "Wrong-password-1").status_code == 200
    fifth = _login(client, "clerk", "Wrong-password-1")
    assert fifth.status_code == 429
    # Even the right password is refused now, from another browser too.
    locked = _login(Client(), "clerk", PASSWORD)
    text = locked.content.decode()
    assert locked.status_code == 429
    assert "账号已临时锁定" in text
    retry_at = timezone.localtime(timezone.now() + settings.AXES_COOLOFF_TIME)
    assert retry_at.strftime("%H:") in text
    assert "之后再试" in text
    # Another account name from the same address is not affected.
    other = User.objects.create_user(username="other", password=PASSWORD)
    assert _login(Client(), other.username, PASSWORD).status_code == 302


def test_lock_ends_after_the_cool_off(client: Client, clerk: User) -> None:
    from axes.models import AccessAttempt

    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "clerk", "Wrong-password-1")
    AccessAttempt.objects.filter(username="clerk").update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    assert _login(client, "clerk", PASSWORD).status_code == 302


def test_idle_session_expires_to_the_login_page(client: Client, clerk: User) -> None:
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    _login(client, "clerk", PASSWORD)
    assert client.get(HOME).status_code == 200
    session = Session.objects.get(session_key=client.session.session_key)
    # Each request pushes expiry forward by the idle period.
    assert session.expire_date > timezone.now() + timedelta(minutes=29)
    session.expire_date = timezone.now() - timedelta(seconds=1)
    session.save()
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_logout_ends_the_session(client: Client, clerk: User) -> None:
    _login(client, "clerk", PASSWORD)
    response = client.post(reverse("accounts:logout"))
    assert (response.status_code, response["Location"]) == (302, LOGIN)
    assert client.get(HOME)["Location"].startswith(LOGIN)


def test_password_change_shows_rules_and_enforces_them(client: Client, clerk: User) -> None:
    _login(client, "clerk", PASSWORD)
    url = reverse("accounts:password_change")
    page = client.get(url).content.decode()
    assert "密码规则" in page
    assert "至少包含 10 个字符" in page or "10" in page
    assert "密码必须同时包含字母和数字" in page

    weak = client.post(
        url,
        {"old_password": PASSWORD, "new_password1": "abcdefghijk", "new_password2": "abcdefghijk"},
    )
    assert weak.status_code == 200
    assert "密码必须同时包含字母和数字" in weak.content.decode()
    clerk.refresh_from_db()
    assert clerk.check_password(PASSWORD)

    new = "Changed-pass-2026"
    done = client.post(url, {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert (done.status_code, done["Location"]) == (302, HOME)
    clerk.refresh_from_db()
    assert clerk.check_password(new)
    assert client.get(HOME).status_code == 200  # still signed in
    assert AuditEvent.objects.filter(action="user.password_set", actor=clerk).count() == 1
