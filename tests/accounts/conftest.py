"""Accounts fixtures: the seeded roles and org units, once per test database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from minzheng.accounts import services
from tests.scope import scoped_user, signed_in

__all__ = ["scoped_user", "signed_in"]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """Hash test passwords cheaply; production keeps Django's default hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The test database with the division tree (root conftest), roles and org units."""
    with django_db_blocker.unblock():
        services.seed_roles()
        services.seed_org_units()
    yield
