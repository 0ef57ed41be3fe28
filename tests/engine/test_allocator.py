"""DuckDB's allocator is tuned before DuckDB is loaded (``minzheng/__init__.py``)."""

from __future__ import annotations

import subprocess
import sys


def test_duckdb_reads_the_allocator_setting_when_minzheng_is_imported_first() -> None:
    # A setting jemalloc cannot parse is reported on stderr: proof that DuckDB read it.
    env = {"DUCKDB_JE_MALLOC_CONF": "no_such_option:1", "PATH": "/usr/bin:/bin"}
    code = "import minzheng, duckdb; duckdb.sql('SELECT 1').fetchall()"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert "no_such_option" in done.stderr
    default = subprocess.run(
        [sys.executable, "-c", "import minzheng, os; print(os.environ['DUCKDB_JE_MALLOC_CONF'])"],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert "tcache_max" in default.stdout
