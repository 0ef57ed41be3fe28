"""The interface speaks Simplified Chinese by default and English when chosen."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.scope import make_scoped_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_catalogue")]


def _nav_labels(html: str) -> list[str]:
    """The text of the top navigation's links, in order."""
    nav = html.split('<ul class="navbar-nav', 1)[1].split("</ul>", 1)[0]
    labels = []
    for chunk in nav.split('class="nav-link')[1:]:
        text = chunk.split(">", 1)[1].split("</a>", 1)[0]
        labels.append(text.split("</i>")[-1].strip())
    return labels


def test_navigation_is_chinese_by_default_and_english_after_switching(client: Client) -> None:
    user = make_scoped_user(["division.view", "audit.view"])
    client.force_login(user)

    chinese = client.get(reverse("web:home")).content.decode()
    assert '<html lang="zh-hans">' in chinese
    assert _nav_labels(chinese)[:2] == ["工作台", "行政区划"]
    assert "审计日志" in _nav_labels(chinese)

    response = client.post(reverse("set_language"), {"language": "en", "next": "/"}, follow=True)

    english = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in english
    assert _nav_labels(english)[:2] == ["Home", "Divisions"]
    assert "Audit log" in _nav_labels(english)
    assert "工作台" not in _nav_labels(english)


def test_the_sign_in_page_follows_the_language_cookie(client: Client) -> None:
    client.cookies["django_language"] = "en"
    page = client.get(reverse("accounts:login")).content.decode()
    assert '<html lang="en">' in page
    assert "Sign in" in page
    assert "登录" not in page.split("<body", 1)[1].replace("民政协同增效平台", "")
