"""Registry fixtures: the shared scope fixtures and cheap password hashing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.scope import scoped_user, signed_in

__all__ = ["scoped_user", "signed_in"]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
