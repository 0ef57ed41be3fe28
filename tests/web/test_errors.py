"""Error pages keep the platform's shell and say what to do, in Chinese."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import Client

from tests.scope import make_scoped_user


@pytest.mark.django_db
def test_an_out_of_scope_division_answers_404_inside_the_shell(client: Client) -> None:
    client.force_login(make_scoped_user(["division.view"], division="500229001"))
    response = client.get("/divisions/500101001/")
    page = response.content.decode()
    assert response.status_code == 404
    assert 'data-testid="error-404"' in page
    assert "页面不存在，或不在您的管辖范围内" in page
    assert 'data-testid="current-user"' in page  # the shell with its menu is still there


def test_the_server_error_page_renders_without_a_request() -> None:
    page = render_to_string("500.html")
    assert 'data-testid="error-500"' in page
    assert "服务器出错，请稍后再试" in page
