"""``sql.Inserter`` with rows that may conflict: each goes in once, whichever way it is sent.

On PostgreSQL such rows are copied straight into the table until one is found there already;
that chunk is then sent again through the staging table, and so is every later one. Rows that
cannot conflict may be held and written in a thread while the landing goes on
(``TrailingWrites``); the batch's transaction is the thread's too."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from minzheng.registry.ingest import services
from minzheng.registry.ingest.sql import Inserter, TrailingWrites
from minzheng.registry.models import Feed, Person

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


def test_held_rows_are_written_in_the_batchs_transaction_once_started() -> None:
    inserter = Inserter(Feed, ["code", "name"], skip_conflicts=False)
    writes = TrailingWrites()
    try:
        with transaction.atomic():
            inserter.hold([("t-h1", "H1"), ("t-h2", "H2")], {}, writes)
            # PostgreSQL holds them; SQLite writes them at once
            assert _codes() == ([] if connection.vendor == "postgresql" else ["t-h1", "t-h2"])
            writes.start()
            inserter.hold([("t-h3", "H3")], {}, writes)
            writes.wait()
            assert _codes()[:2] == ["t-h1", "t-h2"]
            writes.flush()
            assert _codes() == ["t-h1", "t-h2", "t-h3"]
        assert _codes() == ["t-h1", "t-h2", "t-h3"]  # committed with the transaction

        with pytest.raises(RuntimeError), transaction.atomic():
            inserter.hold([("t-h4", "H4")], {}, writes)
            writes.flush()
            raise RuntimeError("the batch fails")
        assert _codes() == ["t-h1", "t-h2", "t-h3"]  # rolled back with it
    finally:
        writes.close()


def test_a_copy_that_fails_in_the_thread_fails_the_caller() -> None:
    inserter = Inserter(Feed, ["code", "name"], skip_conflicts=False)
    writes = TrailingWrites()
    try:
        with pytest.raises(IntegrityError), transaction.atomic():
            inserter.hold([("t-d1", "D")], {}, writes)
            writes.flush()
            inserter.hold([("t-d1", "D again")], {}, writes)  # the same code: unique
            writes.flush()
    finally:
        writes.close()
    assert _codes() == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
def test_the_batchs_look_ups_go_by_index_whatever_the_statistics() -> None:
    lookup = "EXPLAIN SELECT id FROM registry_person WHERE id_number_hash = ANY(%s)"
    keys = [bytes([i % 256, i // 256]) * 16 for i in range(5000)]
    with transaction.atomic(), connection.cursor() as cursor:
        # The planner's view of a table a batch is filling: statistics of it empty, and an
        # index probe dearer than reading it all (made so here, whatever the test database
        # holds: a sequential scan is what a batch filling an empty registry got)
        cursor.execute("ANALYZE registry_person")
        cursor.execute("SET LOCAL random_page_cost = 1000")
        cursor.execute(lookup, [keys])
        assert "Seq Scan" in str(cursor.fetchall())

        services._tune_transaction()
        cursor.execute(lookup, [keys])
        plan = str(cursor.fetchall())
        # A table no index serves (a staging table) is still scanned, and not compiled
        cursor.execute("CREATE TEMPORARY TABLE t_staged ON COMMIT DROP AS SELECT 1 AS n")
        cursor.execute("EXPLAIN (ANALYZE) SELECT n FROM t_staged")
        staged = str(cursor.fetchall())
    assert "Seq Scan" not in plan and "registry_person_id_number_hash" in plan
    assert "Seq Scan on t_staged" in staged and "JIT" not in staged
    assert Person.objects.count() == 0


def test_the_values_the_same_for_every_row_are_stored_as_if_bound() -> None:
    # SQLite writes them into the statement as literals: a quote, a percent sign (Django's
    # cursor reads "%s" as a parameter), JSON, a boolean, a number, a time and NULL must be
    # stored as binding them stores them — the same values, of the same SQLite types.
    columns = ["id", "id_number_encrypted", "id_number_hash", "id_number_masked", "name", "sex"]
    columns += ["birth_date"]
    constants = {
        "created_at": timezone.now(),
        "field_sources": {"name": {"feed_name": "it's 100% %s '引号'", "batch": 7}},
        "industry": "O'Brien %% 50%s",
        "major_illness": True,
        "self_care_items_lost": 3,
        "disability_grade": None,
    }

    def row(pk: int) -> tuple[Any, ...]:
        return (pk, "sealed", f"{pk % 256:02x}" * 32, "500101********123X", "张三", "M")

    inserter = Inserter(Person, columns, skip_conflicts=False)
    with transaction.atomic():
        assert inserter.insert([(*row(910001), date(1980, 1, 2))], constants) == 1
        names, bound = inserter._prepared([(*row(910002), date(1980, 1, 2))], constants)
        with connection.cursor() as cursor:
            cursor.executemany(inserter._sql(names), bound)
    fields = [f.column for f in Person._meta.concrete_fields if f.column != "id"]
    table = Person._meta.db_table
    typed = ", ".join(f"typeof({c}), {c}" if connection.vendor == "sqlite" else c for c in fields)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {typed} FROM {table} WHERE id IN (910001, 910002) ORDER BY id")
        literal, as_bound = cursor.fetchall()
    # The look-up hash differs (the ids differ); everything else is the same.
    per_field = 2 if connection.vendor == "sqlite" else 1
    differing = {
        fields[i // per_field]
        for i, (a, b) in enumerate(zip(literal, as_bound, strict=True))
        if a != b
    }
    assert differing == {"id_number_hash"}
    person = Person.objects.get(pk=910001)
    assert person.field_sources == constants["field_sources"]
    assert (person.industry, person.major_illness, person.self_care_items_lost) == (
        "O'Brien %% 50%s",
        True,
        3,
    )
    assert person.created_at == constants["created_at"]
