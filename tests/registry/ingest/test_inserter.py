"""``sql.Inserter`` with rows that may conflict: each goes in once, whichever way it is sent.

On PostgreSQL such rows are copied straight into the table until one is found there already;
that chunk is then sent again through the staging table, and so is every later one."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from minzheng.registry.ingest.sql import Inserter
from minzheng.registry.models import Feed

pytestmark = pytest.mark.django_db


def _codes() -> list[str]:
    return sorted(Feed.objects.filter(code__startswith="t-").values_list("code", flat=True))


def test_a_row_already_there_is_skipped_and_the_others_go_in() -> None:
    inserter = Inserter(Feed, ["code", "name"])
    with transaction.atomic():
        assert inserter.insert([("t-a", "A"), ("t-b", "B")], {}) == 2
        # "t-b" is there already: the chunk goes in without it
        assert inserter.insert([("t-b", "B again"), ("t-c", "C")], {}) == 1
        assert inserter.insert([("t-d", "D"), ("t-a", "A again")], {}) == 1
    assert _codes() == ["t-a", "t-b", "t-c", "t-d"]
    assert Feed.objects.get(code="t-b").name == "B"
    if connection.vendor == "postgresql":
        assert inserter._direct is False  # the staging table from the first conflict on


def test_rows_are_copied_straight_in_while_nothing_conflicts() -> None:
    inserter = Inserter(Feed, ["code", "name"])
    with transaction.atomic():
        assert inserter.insert([("t-x", "X")], {}) == 1
        assert inserter.insert([("t-y", "Y")], {}) == 1
    assert _codes() == ["t-x", "t-y"]
    if connection.vendor == "postgresql":
        assert inserter._direct is True
