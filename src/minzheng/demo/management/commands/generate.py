"""``minzheng generate``: write a synthetic Chongqing population as Parquet, and optionally load it.

minzheng generate --persons 100000 --counties 500101,500229 --seed 1 --out var/population
minzheng generate --persons 100000 --seed 1 --into-db            # generate, then load
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from minzheng.demo import population
from minzheng.registry import bulk


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD：{text}") from None


class Command(BaseCommand):
    help = (
        "生成合成的重庆人口（引擎表结构，Parquet）；同一种子和参数生成相同的数据。"
        "--into-db 同时载入人口库。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--persons", type=int, required=True, help="number of persons")
        parser.add_argument(
            "--counties",
            default="",
            help="comma-separated county codes (default: all 38 county-level divisions)",
        )
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument("--out", type=Path, help="output directory for the Parquet files")
        parser.add_argument(
            "--as-of",
            type=_date,
            default=None,
            help="the date the population describes (default: today; give it to reproduce a run)",
        )
        parser.add_argument(
            "--chunk-persons",
            type=int,
            default=population.DEFAULT_CHUNK_PERSONS,
            help="persons per chunk (one Parquet row group each; bounds memory)",
        )
        parser.add_argument(
            "--into-db", action="store_true", help="load the population into the registry"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["out"] is None and not options["into_db"]:
            raise CommandError("请用 --out 指定输出目录，或用 --into-db 直接载入人口库。")
        try:
            population_options = population.Options(
                persons=options["persons"],
                seed=options["seed"],
                as_of=options["as_of"] or date.today(),
                counties=population.parse_counties(options["counties"]),
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        progress = not options["no_progress"]
        if options["out"] is not None:
            self._run(options["out"], population_options, options, progress)
            return
        with tempfile.TemporaryDirectory(dir=settings.VAR_DIR, prefix="population-") as tmp:
            self._run(Path(tmp), population_options, options, progress)

    def _run(
        self,
        out: Path,
        population_options: population.Options,
        options: dict[str, Any],
        progress: bool,
    ) -> None:
        try:
            result = population.generate(
                out=out,
                options=population_options,
                chunk_persons=options["chunk_persons"],
                progress=progress,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        rate = result.persons / result.seconds if result.seconds else 0.0
        self.stdout.write(
            f"generated {result.persons:,} persons in {result.households:,} households "
            f"(as of {population_options.as_of}, seed {population_options.seed}) into {out} "
            f"in {result.seconds:.1f} s ({rate:,.0f} persons/s, peak memory "
            f"{result.peak_rss_mb:,.0f} MB)"
        )
        self.stdout.write(
            "rows: " + ", ".join(f"{name} {count:,}" for name, count in result.rows.items())
        )
        if options["into_db"]:
            loaded = bulk.load_population(directory=out, progress=progress)
            self.stdout.write(
                self.style.SUCCESS(
                    f"loaded into the registry in {loaded.seconds:.1f} s: "
                    + ", ".join(f"{name} +{count:,}" for name, count in loaded.created.items())
                )
            )
