"""Helpers shared by the engine's tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from minzheng.demo.population import Options, generate

DAY = dt.date(2025, 8, 1)


def generated_population(
    factory: pytest.TempPathFactory, name: str, *, persons: int, seed: int
) -> Path:
    """A demo population of ``persons`` written as Parquet under a new temporary folder."""
    out = factory.mktemp(name) / "population"
    generate(out=out, options=Options(persons=persons, seed=seed, as_of=DAY))
    return out
