"""A crash half way leaves nothing of the batch: the import process is killed mid-file.

The import runs in a child process (``minzheng import``) against a copy of the test database
on disk. Once its progress file shows a chunk landed, the child is killed (SIGKILL: no
clean-up code runs). Nothing it landed may be visible, and the next import marks the batch
failed. This is also the "progress visible from another process" check: the test reads the
child's progress while it runs, as the web page does.
"""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.db import connection

from minzheng.registry import idnumbers
from tests.registry.ingest.files import HUKOU, VILLAGE

ROWS = 40_000  # enough that the child is still landing when its first chunk is seen


def _write_register(path: Path, count: int, start: int = 0) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HUKOU)
        for i in range(start, start + count):
            born = date(1940, 1, 1) + timedelta(days=i % 25000)
            first = f"500101{born:%Y%m%d}{(i // 25000) * 2 + 1:03d}"
            number = first + idnumbers.check_character(first)
            writer.writerow([number, f"居民{i}", "", "", VILLAGE, "", "户主", f"C{i:08d}"])


def _child(var: Path, *args: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["MINZHENG_VAR_DIR"] = str(var)
    command = [sys.executable, "-m", "minzheng.cli", "import", *args, "--no-progress"]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(p) for p in (task / "children").read_text().split()]
    return found


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, ended but not yet reaped by its new parent, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _copy_test_database(target: Path) -> None:
    """Write the (in-memory) test database to ``target``, read through the test's connection.

    SQLite's backup API cannot read the shared in-memory database while the test's
    transaction is open, so the schema and rows are copied with plain SQL.
    """
    with connection.cursor() as cursor, sqlite3.connect(target) as copy:
        # Check constraints written with Django's regex lookup call REGEXP(pattern, value).
        copy.create_function(
            "REGEXP",
            2,
            lambda pattern, value: value is not None and bool(re.search(pattern, value)),
        )
        objects = cursor.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL "
            "AND name NOT LIKE 'sqlite_%' ORDER BY type = 'table' DESC, type = 'index' DESC"
        ).fetchall()
        for kind, name, sql in objects:
            if kind != "table":
                continue
            copy.execute(sql)
            columns = [
                c[1] for c in cursor.execute(f'PRAGMA table_xinfo("{name}")').fetchall() if not c[6]
            ]
            quoted = ", ".join(f'"{c}"' for c in columns)
            rows = cursor.execute(f'SELECT {quoted} FROM "{name}"').fetchall()
            if rows:
                marks = ", ".join("?" * len(columns))
                copy.executemany(f'INSERT INTO "{name}" ({quoted}) VALUES ({marks})', rows)
        for kind, _name, sql in objects:
            if kind != "table":
                copy.execute(sql)


def _count(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(sql).fetchone()[0])


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="copies the SQLite test database for the child"
)
@pytest.mark.django_db
def test_a_killed_import_leaves_no_half_batch(tmp_path: Path) -> None:
    var = tmp_path / "child-var"
    var.mkdir()
    database = var / "minzheng.sqlite3"
    _copy_test_database(database)  # the migrated schema and the real division tree
    big, small = tmp_path / "户籍-大.csv", tmp_path / "户籍-小.csv"
    _write_register(big, ROWS)
    _write_register(small, 3, start=ROWS)

    child = _child(var, "police_hukou", str(big))
    seen: dict[str, int] = {}
    deadline = time.monotonic() + 240
    progress_file = var / "progress" / "batch-1.json"
    while time.monotonic() < deadline and child.poll() is None:
        try:
            seen = json.loads(progress_file.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            seen = {}
        if seen.get("rows_done", 0) >= 5000:
            break
        time.sleep(0.05)
    assert child.poll() is None, child.stdout.read().decode() if child.stdout else ""
    assert seen["rows_done"] >= 5000 and seen["rows_created"] >= 5000  # visible from outside
    readers = _children(child.pid)
    assert readers  # a file this long is read in a process of its own
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    # A reading process notices and ends too: nothing of the import is left running.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_alive(pid) for pid in readers):
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in readers)

    assert (
        _count(database, "SELECT count(*) FROM registry_importbatch WHERE status = 'running'") == 1
    )
    for table in ("registry_person", "registry_household", "registry_membership"):
        assert _count(database, f"SELECT count(*) FROM {table}") == 0, table

    after = _child(var, "police_hukou", str(small))
    output = after.communicate(timeout=240)[0].decode()

    assert after.returncode == 0, output
    with sqlite3.connect(database) as conn:
        batches = conn.execute("SELECT id, status, message FROM registry_importbatch ORDER BY id")
        first, second = batches.fetchall()
        assert (first[1], second[1]) == ("failed", "succeeded")
        assert first[2] == "导入进程意外中止，本批次未导入任何数据，请重新导入该文件。"
        assert conn.execute(
            "SELECT count(*) FROM registry_membership WHERE source_batch_id = 1"
        ).fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM registry_person").fetchone() == (3,)
        events = conn.execute(
            "SELECT json_extract(after, '$.status') FROM audit_auditevent "
            "WHERE action = 'registry.import' AND object_id = '1'"
        ).fetchall()
        assert events == [("failed",)]
    assert not progress_file.exists()
