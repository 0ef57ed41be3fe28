"""The importer's fast fingerprint is the registry's fingerprint, value for value."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from minzheng.registry.ingest.landing import _fingerprint
from minzheng.registry.services.fingerprints import fact_fields, fact_fingerprint

SOURCE = "feed:test"


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        ("membership", {"household": "500101-1", "person": "ab" * 32, "relation": "head"}),
        (
            "income",
            {
                "person": "ab" * 32,
                "kind": "wage",
                "period_start": date(2025, 1, 1),
                "period_end": date(2025, 1, 31),
                "amount": Decimal("4500.00"),
            },
        ),
        (
            "asset",
            {
                "person": "cd" * 32,
                "kind": "business",
                "reference": "91500101MA5U000000",
                "as_of": date(2025, 1, 1),
                "business_role": "legal_representative",
                "business_operating": False,
                "value": None,
            },
        ),
        (
            "life_event",
            {"person": "ef" * 32, "kind": "death", "date": date(2025, 2, 3), "detail": " 火化 "},
        ),
        (
            "enrolment",
            {
                "household": "500101-7",
                "person": None,
                "programme": "dibao",
                "start_date": date(2024, 1, 1),
                "monthly_amount": Decimal("620.00"),
            },
        ),
    ],
)
def test_the_same_fingerprint_as_the_registry_computes(kind: str, fields: dict[str, Any]) -> None:
    parts = [fields.get(name) for name in fact_fields(kind)]
    assert _fingerprint(kind, SOURCE, *parts) == fact_fingerprint(kind, source=SOURCE, **fields)
