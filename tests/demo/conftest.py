"""Demo tests create ten users: hash their passwords quickly (the hasher is not under test)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def small_demo_population(settings: Any) -> None:
    """``minzheng demo`` loads a synthetic population: a small one keeps these tests quick."""
    settings.MINZHENG_DEMO_PERSONS = 1000
