"""Shared fixtures: the real division tree, loaded once per test database.

``django_db_setup`` is overridden so that, right after pytest-django creates the test database
(one per xdist worker; SQLite or PostgreSQL through ``DATABASE_URL``), the real Chongqing tree is
loaded into it. Every test with database access then sees all 12,340 divisions and can use real
codes; each test's changes are rolled back as usual.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation
from pytest_django.plugin import blocking_manager_key

from minzheng.divisions import selectors as division_selectors
from minzheng.divisions import services as division_services
from minzheng.divisions.models import Division


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """After a transactional test has flushed the tables, put the division tree back.

    Transactional tests (``django_db(transaction=True)``, ``transactional_db``, ``live_server``)
    end with a flush that empties every table; the tests after them on the same worker expect the
    tree that ``django_db_setup`` loaded.
    """
    result = yield
    fixtures = getattr(item, "fixturenames", ())
    marker = item.get_closest_marker("django_db")
    transactional = bool(
        marker and (marker.kwargs.get("transaction") or marker.args[:1] == (True,))
    )
    # After the last test the session's teardown has already dropped the test database.
    if nextitem is None:
        return result
    if transactional or "transactional_db" in fixtures or "live_server" in fixtures:
        with item.config.stash[blocking_manager_key].unblock():
            if not Division.objects.exists():
                division_services.load_divisions()
    return result


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The test database, with the real division tree loaded once."""
    with django_db_blocker.unblock():
        division_services.load_divisions()
    yield


class DivisionTree:
    """Quick access to the loaded tree in tests: ``divisions.get("500112")``."""

    def get_by_code(self, code: str) -> Division:
        return division_selectors.get_by_code(code)

    get = get_by_code

    @property
    def city(self) -> Division:
        return division_selectors.city()


@pytest.fixture
def divisions(db: None) -> DivisionTree:
    """The real division tree. Reloads it if a transactional test flushed the tables before."""
    if not Division.objects.exists():
        division_services.load_divisions()
    return DivisionTree()


@pytest.fixture(scope="session")
def _media_root(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """Hash test passwords cheaply: MD5 instead of PBKDF2's 1.5 million rounds (0.34 CPU-s a
    password here). Production keeps Django's default hasher, which no test is about. Users made
    outside a test's settings (``minzheng demo`` in a subprocess, package fixtures) keep theirs."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings: Any, _media_root: Any) -> None:
    """Uploads made by tests go to a temporary folder, never into the project's var/media."""
    settings.MEDIA_ROOT = str(_media_root)


@pytest.fixture(autouse=True)
def _default_language_after_each_test() -> Iterator[None]:
    """Django's locale middleware activates a request's language in the worker's thread and
    leaves it active: after a test that asks for English pages, a test on the same worker that
    renders outside a request (labels, the request-free error page) would read English."""
    yield
    translation.deactivate()
