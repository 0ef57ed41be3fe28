"""What a screening run finds, from the snapshot and the engine's determinations (DuckDB SQL).

No Django here: ``find()`` reads the snapshot's Parquet tables and ``determinations.parquet`` and
returns, per household, what needs a person to look:

- **discovery**: eligible for 低保, 特困, 低保边缘, 刚性支出困难 or 单人保 but not enrolled in it;
- **exit_review**: enrolled, and the engine now finds the programme's conditions failed (income
  above the line, a vehicle, a business role, no counted member left …; a failure that only says
  the household moved to a higher tier is an upgrade, found by discovery); or an enrolled
  person who died or left; or, in an enrolled household, a member who died or left in the window
  (the amount and the household must be re-checked, programmes.md §7);
- **risk**: the signals of programmes.md §7 in the last ``risk_window_days`` — large medical
  spending, a new serious illness, a new (severe) disability, unemployment of the main earner,
  death of an earner, disaster, accident, heavy school costs — for households whose income per
  person is below last year's per-capita disposable income (or unknown).

Each finding carries a score (0–100) and its reasons as codes with Chinese text; a person in a
reason is written 〔person id〕 (the snapshot holds no names) and the service puts the name in. Every threshold
and weight is a platform setting (``conf.MonitoringSettings``), never a policy value.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any

import duckdb

from minzheng.engine.parameters import ParameterSnapshot
from minzheng.monitoring.conf import MonitoringSettings
from minzheng.monitoring.findings import rules
from minzheng.monitoring.findings.base import (
    DISCOVERY_PROGRAMMES,
    Finder,
    Finding,
    Result,
    connect,
)

__all__ = ["DISCOVERY_PROGRAMMES", "Finding", "Result", "compare", "find", "write_eligible"]


def find(
    *,
    snapshot_dir: Path,
    determinations: Path,
    as_of: dt.date,
    parameters: ParameterSnapshot,
    conf: MonitoringSettings,
) -> Result:
    """Every household's discovery, exit-review and risk findings, and the run's counts."""
    con = connect(snapshot_dir, determinations)
    try:
        finder = Finder(con, as_of, parameters, conf)
        rules.discovery(finder)
        rules.exit_review(finder)
        rules.risk(finder)
        counts: dict[str, dict[str, int]] = defaultdict(dict)
        for programme, status, n in con.execute(
            "SELECT programme, status, count(*) FROM det GROUP BY ALL ORDER BY ALL"
        ).fetchall():
            counts[programme][status] = int(n)
        households = int(con.execute("SELECT count(*) FROM households").fetchone()[0])  # type: ignore[index]
        return Result(findings=finder.result(), counts=dict(counts), households=households)
    finally:
        con.close()


def write_eligible(*, determinations: Path, out: Path) -> None:
    """The eligible subjects of a run (household, person, programme), for the next comparison."""
    con = duckdb.connect(
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    )
    try:
        con.execute(
            f"COPY (SELECT household_id, person_id, programme FROM read_parquet('{determinations}')"
            f" WHERE status = 'eligible') TO '{out}' (FORMAT parquet)"
        )
    finally:
        con.close()


def compare(*, previous: Path, current: Path) -> dict[str, Any]:
    """Subjects newly eligible and no longer eligible, per programme, and households in each."""
    con = duckdb.connect(
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    )
    try:
        con.execute(f"CREATE VIEW cur AS SELECT * FROM read_parquet('{current}')")
        con.execute(f"CREATE VIEW prev AS SELECT * FROM read_parquet('{previous}')")
        out: dict[str, Any] = {}
        for name, a, b in (
            ("newly_eligible", "cur", "prev"),
            ("no_longer_eligible", "prev", "cur"),
        ):
            con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM {a} EXCEPT SELECT * FROM {b}")
            out[name] = {
                p: int(n)
                for p, n in con.execute(
                    f"SELECT programme, count(*) FROM {name} GROUP BY ALL ORDER BY ALL"
                ).fetchall()
            }
            out[f"{name}_households"] = int(
                con.execute(f"SELECT count(DISTINCT household_id) FROM {name}").fetchone()[0]  # type: ignore[index]
            )
        return out
    finally:
        con.close()
