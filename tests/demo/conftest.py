"""Demo tests: a small synthetic population."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def small_demo_population(settings: Any) -> None:
    """``minzheng demo`` loads a synthetic population: a small one keeps these tests quick."""
    settings.MINZHENG_DEMO_PERSONS = 1000
