"""Benchmark of the synthetic population: generate to Parquet, print persons/s and peak memory.

    uv run python bench/population.py                       # 1,000,000 persons, all counties
    uv run python bench/population.py --persons 10000000    # 10 million
    uv run python bench/population.py --chongqing           # 32 million: the whole city
    uv run python bench/population.py --into-db --persons 100000   # also load into SQLite

Each run goes to a temporary directory (removed afterwards unless ``--keep``). Generation runs
in its own process so that the peak memory printed (``ru_maxrss``) is the generator's own:
chunked by households, it stays bounded whatever the size. ``--into-db`` then loads the files
into a fresh SQLite registry (divisions first, not timed) in another process and prints the
load time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHONGQING = 32_054_159  # resident population, 7th census 2020 [K]

_GENERATE = """
import json, sys
from datetime import date
from pathlib import Path
from minzheng.demo.population import Options, generate, parse_counties
persons, seed, chunk, out, counties, as_of = sys.argv[1:7]
result = generate(
    out=Path(out),
    options=Options(persons=int(persons), seed=int(seed), as_of=date.fromisoformat(as_of),
                    counties=parse_counties(counties)),
    chunk_persons=int(chunk),
    progress=True,
)
print(json.dumps({"persons": result.persons, "households": result.households,
                  "seconds": result.seconds, "peak_rss_mb": result.peak_rss_mb,
                  "rows": result.rows}))
"""

_LOAD = """
import json, os, resource, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minzheng.settings")
import django
django.setup()
from pathlib import Path
from django.core.management import call_command
call_command("migrate", verbosity=0)
from minzheng.divisions import services
services.load_divisions()
from minzheng.registry import bulk
result = bulk.load_population(directory=Path(sys.argv[1]), progress=True)
print(json.dumps({"seconds": result.seconds, "created": result.created,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _run(code: str, *args: str, env: dict[str, str] | None = None) -> dict[str, object]:
    completed = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        check=True,
        text=True,
    )
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--chongqing", action="store_true", help=f"{CHONGQING:,} persons")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chunk-persons", type=int, default=500_000)
    parser.add_argument("--counties", default="", help="default: all 38")
    parser.add_argument("--as-of", default="2025-09-30")
    parser.add_argument("--into-db", action="store_true", help="also load into a fresh SQLite")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args()
    persons = CHONGQING if args.chongqing else args.persons
    date.fromisoformat(args.as_of)

    work = Path(tempfile.mkdtemp(prefix="bench-population-"))
    out = work / "population"
    try:
        generated = _run(
            _GENERATE,
            str(persons),
            str(args.seed),
            str(args.chunk_persons),
            str(out),
            args.counties,
            args.as_of,
        )
        seconds = float(str(generated["seconds"]))
        size = sum(f.stat().st_size for f in out.iterdir()) / 2**20
        print(
            f"generated {generated['persons']:,} persons, {generated['households']:,} households "
            f"in {seconds:.1f} s: {int(str(generated['persons'])) / seconds:,.0f} persons/s, "
            f"peak memory {float(str(generated['peak_rss_mb'])):,.0f} MB, "
            f"{size:,.0f} MB of Parquet (chunks of {args.chunk_persons:,} persons)"
        )
        if args.into_db:
            env = {**os.environ, "MINZHENG_VAR_DIR": str(work / "var"), "DATABASE_URL": ""}
            loaded = _run(_LOAD, str(out), env=env)
            print(
                f"loaded into SQLite in {float(str(loaded['seconds'])):.1f} s "
                f"(peak memory {float(str(loaded['peak_rss_mb'])):,.0f} MB): {loaded['created']}"
            )
        if args.keep:
            print(f"kept in {out}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(bench process itself: {own:,.0f} MB)")


if __name__ == "__main__":
    main()
