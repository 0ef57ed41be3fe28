"""Every enumerated value of the population schema has a Chinese label, and nothing else does."""

from __future__ import annotations

import pytest

from minzheng.engine import schema
from minzheng.registry import labels


@pytest.mark.parametrize(
    ("values", "names"),
    [
        (schema.SEXES, labels.SEXES),
        (schema.LIFE_STATUSES, labels.LIFE_STATUSES),
        (schema.WORK_CAPACITIES, labels.WORK_CAPACITIES),
        (schema.SCHOOL_STATUSES, labels.SCHOOL_STATUSES),
        (schema.EMPLOYMENT_STATUSES, labels.EMPLOYMENT_STATUSES),
        (schema.DISABILITY_KINDS, labels.DISABILITY_KINDS),
        (schema.RELATIONS, labels.RELATIONS),
        (schema.APART_REASONS, labels.APART_REASONS),
        (schema.INCOME_KINDS, labels.INCOME_KINDS),
        (schema.FINANCIAL_ASSET_KINDS, labels.FINANCIAL_ASSET_KINDS),
        (schema.VEHICLE_KINDS, labels.VEHICLE_KINDS),
        (schema.BUSINESS_ROLES, labels.BUSINESS_ROLES),
        (schema.EXPENDITURE_KINDS, labels.EXPENDITURE_KINDS),
        (schema.EVENT_KINDS, labels.EVENT_KINDS),
        (schema.PROGRAMMES, labels.PROGRAMMES),
        (labels.ASSET_KIND_VALUES, labels.ASSET_KINDS),
    ],
)
def test_each_schema_value_has_exactly_one_chinese_label(values, names):
    assert set(names) == set(values)
    for value in values:
        text = str(names[value])
        assert text.strip() != ""
        assert any("\u4e00" <= ch <= "\u9fff" for ch in text), (value, text)


def test_choices_keep_the_schema_order_and_label_lookup_falls_back_to_the_value():
    assert [v for v, _ in labels.choices(schema.RELATIONS, labels.RELATIONS)] == list(
        schema.RELATIONS
    )
    assert labels.label(labels.RELATIONS, "spouse") == "配偶"
    assert labels.label(labels.RELATIONS, "unknown_value") == "unknown_value"
    assert labels.label(labels.RELATIONS, None) == ""
