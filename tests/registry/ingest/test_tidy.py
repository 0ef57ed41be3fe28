"""After a large batch the registry's tables are vacuumed and analysed (PostgreSQL).

``VACUUM`` cannot run inside a transaction: these tests commit (``transaction=True``). What a
tidy leaves is read from the catalogue: ``relallvisible`` (pages the visibility map marks
all-visible, set by a vacuum) and ``reltuples`` (the row count ``ANALYZE`` estimated; -1
before any).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from minzheng.registry.ingest import run_import, seed_feeds, tidy_after
from minzheng.registry.ingest import services as ingest_services
from minzheng.registry.models import ImportBatch, Person
from tests.registry.ingest.files import HUKOU, family, write_csv

pytestmark = pytest.mark.django_db(transaction=True)


def _on_postgresql() -> None:
    # Skipped in the test, once its database is set up: the transactional tests' clean-up
    # (tests/conftest.py) reloads the division tree there.
    if connection.vendor != "postgresql":
        pytest.skip("a vacuum is PostgreSQL's")


def _register(tmp_path: Path, number: str) -> Path:
    rows = family(f"{number}1", size=4) + family(f"{number}2", size=3)
    return write_csv(tmp_path / f"户籍{number}.csv", HUKOU, rows)


def _catalogued(table: str) -> tuple[int, float]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relallvisible, reltuples FROM pg_class WHERE relname = %s", [table])
        visible, tuples = cursor.fetchone()
    return int(visible), float(tuples)


def test_a_large_batch_leaves_the_registrys_tables_vacuumed_and_analysed(
    divisions: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _on_postgresql()
    seed_feeds()
    monkeypatch.setattr(ingest_services, "TIDY_MIN_ROWS", 5)
    batch = run_import(feed_code="police_hukou", path=_register(tmp_path, "0051"), by=None)
    assert batch.status == ImportBatch.Status.SUCCEEDED
    assert batch.rows_created == 7
    assert _catalogued("registry_person")[0] == 0  # fresh rows: nothing marked all-visible yet

    assert tidy_after(batch) is True

    visible, tuples = _catalogued("registry_person")
    assert visible > 0
    assert tuples == Person.objects.count() == 7
    assert _catalogued("registry_membership")[0] > 0


def test_the_command_tidies_after_a_large_batch_and_says_so(
    divisions: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    _on_postgresql()
    seed_feeds()
    monkeypatch.setattr(ingest_services, "TIDY_MIN_ROWS", 5)
    call_command("import", "police_hukou", str(_register(tmp_path, "0052")), "--no-progress")

    assert "已整理数据库" in capsys.readouterr().out
    assert _catalogued("registry_household")[0] > 0


def test_a_small_or_failed_batch_is_not_tidied(
    divisions: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_feeds()
    monkeypatch.setattr(ingest_services, "TIDY_MIN_ROWS", 8)
    small = run_import(feed_code="police_hukou", path=_register(tmp_path, "0053"), by=None)
    assert small.rows_created == 7

    assert tidy_after(small) is False

    small.status = ImportBatch.Status.FAILED
    small.rows_created = 100
    assert tidy_after(small) is False
    if connection.vendor == "postgresql":
        assert _catalogued("registry_person") == (0, -1.0)  # never vacuumed nor analysed
