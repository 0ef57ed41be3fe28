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

from minzheng.divisions import selectors as division_selectors
from minzheng.divisions import services as division_services
from minzheng.divisions.models import Division


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
