"""``minzheng screen``: evaluate every programme for a population and write determinations.

    minzheng screen --as-of 2025-08-01 [--input DIR] --out DIR [--backend duckdb|spark] [--seed]

``--input`` is a directory of Parquet files in the population schema (docs/engine.md). Without
it the registry is screened: its current facts are exported first (``registry.snapshot``) to
``OUT/population/``.
Parameters come from the database (the truth at run time), or from the reviewed seed with --seed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from minzheng.engine import screening
from minzheng.policy import selectors
from minzheng.registry import snapshot


class Command(BaseCommand):
    help = "Screen a population (Parquet) against every programme; write determinations + summary."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--as-of", required=True, type=dt.date.fromisoformat)
        parser.add_argument(
            "--input", type=Path, help="population Parquet dir (default: the registry snapshot)"
        )
        parser.add_argument("--out", required=True, type=Path)
        parser.add_argument("--backend", choices=["duckdb", "spark"], default="duckdb")
        parser.add_argument("--seed", action="store_true", help="use the YAML seed parameters")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of: dt.date = options["as_of"]
        source = options["input"]
        if source is None:
            snap = snapshot.snapshot_export(directory=options["out"] / "population", as_of=as_of)
            self.stdout.write(f"registry snapshot: {snap.rows} in {snap.seconds:.1f} s")
            source = snap.directory
        if not source.is_dir():
            raise CommandError(f"--input {source} is not a directory")
        parameters = None if options["seed"] else selectors.parameter_definitions()
        if parameters == []:
            raise CommandError("no parameters in the database: run `minzheng load_parameters`")
        bar = tqdm(total=4, desc="screening", unit="step", disable=options["verbosity"] == 0)

        def step(message: str) -> None:
            bar.update(1)
            bar.set_postfix_str(message[:60])

        result = screening.screen(
            source,
            as_of,
            options["out"],
            parameters=parameters,
            backend=options["backend"],
            progress=step,
        )
        bar.close()
        total = sum(result.seconds.values())
        self.stdout.write(
            f"{result.persons:,} persons, {result.households:,} households → {result.rows:,} "
            f"determinations in {total:.1f} s ({result.persons / total:,.0f} persons/s)"
        )
        self.stdout.write(f"determinations: {result.determinations_path}")
        self.stdout.write(f"summary: {result.summary_path}")
        self.stdout.write(f"programmes (unverified parameters): {result.programmes_path}")
        by_programme: dict[str, list[float]] = {}
        for row in result.summary.to_pylist():
            counts = by_programme.setdefault(row["programme"], [0, 0, 0, 0.0])
            idx = {"eligible": 0, "ineligible": 1, "unknown": 2}[row["status"]]
            counts[idx] += row["subjects"]
            if row["status"] == "eligible" and row["monthly_amount"] is not None:
                counts[3] += float(row["monthly_amount"])
        self.stdout.write(
            f"{'programme':28} {'eligible':>10} {'ineligible':>11} {'unknown':>9} {'yuan/month':>14}"
        )
        for name, (e, i, u, amount) in sorted(by_programme.items()):
            self.stdout.write(f"{name:28} {e:>10,} {i:>11,} {u:>9,} {amount:>14,.2f}")
