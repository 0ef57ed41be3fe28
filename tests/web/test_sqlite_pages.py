"""A new SQLite database takes the page size the settings give it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from django.conf import settings


def test_a_new_sqlite_database_gets_16_kib_pages(tmp_path: Path) -> None:
    options = settings.DATABASES["default"].get("OPTIONS", {})
    if "init_command" not in options:
        pytest.skip("the default database is not SQLite")
    con = sqlite3.connect(tmp_path / "new.sqlite3")
    con.executescript(options["init_command"])
    con.execute("CREATE TABLE t (x)")
    assert con.execute("PRAGMA page_size").fetchone()[0] == 16384
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
