"""A small generated population shared by the population tests (generated once per session)."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from minzheng.demo.population import Options, generate_tables

AS_OF = date(2025, 9, 30)
# The demo's counties: all-urban 渝中区, mixed 万州区, rural 城口县 and 彭水.
COUNTIES = ("500101", "500103", "500229", "500243")
SMALL = Options(persons=20_000, seed=7, as_of=AS_OF, counties=COUNTIES)


@pytest.fixture(scope="session")
def population() -> dict[str, pa.Table]:
    """20,000 persons in the demo's four counties, as of 2025-09-30."""
    return generate_tables(SMALL)
