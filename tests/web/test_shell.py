"""The page shell: the navigation marks the section the page belongs to."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.scope import make_scoped_user

pytestmark = pytest.mark.django_db


def _active_links(html: str) -> list[str]:
    nav = html.split('<ul class="navbar-nav', 1)[1].split("</ul>", 1)[0]
    return [
        chunk.split('href="', 1)[1].split('"', 1)[0]
        for chunk in nav.split("<a ")[1:]
        if 'aria-current="page"' in chunk
    ]


@pytest.mark.parametrize(
    ("path", "active"),
    [("/", ["/"]), ("/divisions/", ["/divisions/"]), ("/divisions/500101/", ["/divisions/"])],
)
def test_the_current_section_is_marked_and_home_only_on_itself(
    client: Client, path: str, active: list[str]
) -> None:
    client.force_login(make_scoped_user(["division.view"], division="500101"))
    response = client.get(path)
    assert response.status_code == 200
    assert _active_links(response.content.decode()) == active
