"""Fixtures for the audit tests: an actor with an org unit, and a clean chain to count on."""

from __future__ import annotations

from typing import Any

import pytest

from tests.scope import make_scoped_user


@pytest.fixture
def actor(divisions: Any) -> Any:
    """A township worker in 解放碑街道 (渝中区) — any user will do as the one who acts."""
    return make_scoped_user(
        ["audit.view"], division="500103003", username="actor1", password="Actor-pass-2026"
    )
