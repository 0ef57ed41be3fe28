"""Screening benchmark: persons/s and peak memory for the whole programme catalogue, and the
latency of one household with every programme explained.

    uv run python bench/screening.py --persons 1000000            # 1M, generated here
    uv run python bench/screening.py --persons 10000000 --keep /tmp/pop10m
    uv run python bench/screening.py --input /tmp/pop10m          # an existing population
    uv run python bench/screening.py --persons 32000000 --keep /tmp/pop32m   # Chongqing's size
    uv run python bench/screening.py --household-latency 200 --input /tmp/pop1m

Without --input a population of the requested size is generated (in a child process, so that
its memory is not counted) by the vectorised generator below, or by the synthetic Chongqing
generator with --generator demo (``minzheng.demo.population``). Screening runs in this process:
the figures are wall and CPU seconds, persons per second and this process's peak RSS.

--household-latency N loads the population into DuckDB tables (standing in for the registry),
then for N random households reads the household's rows, evaluates every programme and builds
every explanation (text and JSON); it prints p50/p95 of wall time and of CPU time (on a busy
machine wall time includes waiting for a core). The first household pays for compiling and
preparing the plan and is reported apart.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from timing import latency, time_each

from minzheng.engine import schema

AS_OF = dt.date(2025, 8, 1)
EPOCH = dt.date(1970, 1, 1)
BLOCK_PERSONS = 1_000_000
ROW_GROUP = 122_880  # small row groups: a chunk of households reads only its part of each file


def _days(day: dt.date) -> int:
    return (day - EPOCH).days


def _money(values: np.ndarray) -> pa.Array:
    """Whole yuan (int64) as decimal(14, 2)."""
    return (
        pa.array(values.astype(np.int64), pa.int64()).cast(pa.decimal128(19, 0)).cast(schema.MONEY)
    )


def _dates(values: np.ndarray) -> pa.Array:
    return pa.array(values.astype(np.int32), pa.int32()).cast(pa.date32())


def _block(persons: int, rng: np.random.Generator, hh0: int, p0: int) -> dict[str, pa.Table]:
    """About ``persons`` people in households numbered from ``hh0 + 1``, persons from ``p0 + 1``."""
    sizes = rng.choice(
        [1, 2, 3, 4, 5], size=int(persons / 2.6) + 1, p=[0.22, 0.3, 0.25, 0.15, 0.08]
    )
    sizes = sizes[np.cumsum(sizes) <= persons]
    n_h = len(sizes)
    n_p = int(sizes.sum())
    hid = np.arange(hh0 + 1, hh0 + n_h + 1)
    hh_of = np.repeat(hid, sizes)
    first = np.r_[0, np.cumsum(sizes)[:-1]]
    pos = np.arange(n_p) - np.repeat(first, sizes)
    pid = np.arange(p0 + 1, p0 + n_p + 1)
    rel = np.where(pos == 0, "head", np.where(pos == 1, "spouse", "child"))
    rel = np.where((pos >= 3) & (rng.random(n_p) < 0.4), "parent", rel)
    age = np.where(rel == "child", rng.integers(0, 30, n_p), rng.integers(20, 95, n_p))
    age = np.where(rel == "parent", rng.integers(60, 100, n_p), age)
    birth = _days(AS_OF) - (age * 365.25).astype(np.int64) - rng.integers(0, 365, n_p)
    disabled = rng.random(n_p) < 0.06
    grade = np.where(disabled, rng.integers(1, 5, n_p), 0)
    kinds = np.array(schema.DISABILITY_KINDS)[rng.integers(0, len(schema.DISABILITY_KINDS), n_p)]
    working = (age >= 18) & (age < 60)
    employment = np.where(
        working, np.where(rng.random(n_p) < 0.1, "unemployed", "self_employed"), "not_working"
    )
    school = np.where(age < 6, "preschool", np.where(age < 18, "junior", "none"))
    county = rng.integers(1, 38, n_h)
    village = np.where(
        rng.random(n_h) < 0.6, rng.integers(1, 199, n_h), rng.integers(200, 399, n_h)
    )
    division = np.char.add(
        np.char.add(np.char.add("5001", np.char.zfill(county.astype(str), 2)), "001"),
        np.char.zfill(village.astype(str), 3),
    )
    null_str = pa.nulls(n_p, pa.string())
    out: dict[str, pa.Table] = {}
    out["persons"] = pa.table(
        {
            "person_id": pid,
            "id_number": null_str,
            "name": null_str,
            "sex": np.where(rng.random(n_p) < 0.5, "M", "F"),
            "birth_date": _dates(birth),
            "life_status": np.where(rng.random(n_p) < 0.005, "deceased", "living"),
            "death_date": pa.nulls(n_p, pa.date32()),
            "hukou_division": np.repeat(division, sizes),
            "residence_division": np.repeat(division, sizes),
            "disability_grade": pa.array(
                np.where(disabled, grade, 0).astype(np.int8), mask=~disabled
            ),
            "disability_kind": pa.array(kinds, mask=~disabled),
            "self_care_items_lost": pa.array(
                np.where(age > 80, rng.integers(0, 7, n_p), 0).astype(np.int8)
            ),
            "work_capacity": np.where(working & ~disabled, "full", "none"),
            "school_status": school,
            "employment_status": employment,
            "industry": null_str,
            "major_illness": rng.random(n_p) < 0.02,
            "lacks_civil_capacity": rng.random(n_p) < 0.003,
            "source": pa.array(["bench"] * n_p),
        },
        schema=schema.PERSONS,
    )
    out["households"] = pa.table(
        {
            "household_id": hid,
            "head_person_id": pid[first],
            "division_code": division,
            "area_type": np.where(village < 200, "urban", "rural"),
            "address": pa.nulls(n_h, pa.string()),
            "source": ["bench"] * n_h,
        },
        schema=schema.HOUSEHOLDS,
    )
    out["memberships"] = pa.table(
        {
            "household_id": hh_of,
            "person_id": pid,
            "relation": rel,
            "apart_reason": np.where(rng.random(n_p) < 0.003, "prison", ""),
            "valid_from": _dates(np.full(n_p, _days(dt.date(2010, 1, 1)))),
            "valid_to": pa.nulls(n_p, pa.date32()),
            "source": ["bench"] * n_p,
        },
        schema=schema.MEMBERSHIPS,
    )
    earners = np.flatnonzero(working | (age >= 60))
    monthly = np.where(
        age[earners] >= 60,
        rng.lognormal(6.5, 0.6, len(earners)),
        rng.lognormal(7.8, 0.8, len(earners)),
    )
    n_i = len(earners)
    out["incomes"] = pa.table(
        {
            "person_id": pid[earners],
            "household_id": hh_of[earners],
            "kind": np.where(age[earners] >= 60, "pension", "business"),
            "amount": _money(monthly * 12),
            "period_start": _dates(np.full(n_i, _days(dt.date(2024, 8, 1)))),
            "period_end": _dates(np.full(n_i, _days(dt.date(2025, 7, 31)))),
            "source": ["bench"] * n_i,
        },
        schema=schema.INCOMES,
    )
    owners = np.flatnonzero(rng.random(n_h) < 0.5)
    n_a = len(owners)
    kind = np.array(["deposit", "car", "home", "deposit"])[rng.integers(0, 4, n_a)]
    out["assets"] = pa.table(
        {
            "household_id": hid[owners],
            "person_id": pid[first[owners]],
            "kind": kind,
            "value": _money(rng.lognormal(10, 1.2, n_a)),
            "floor_area": pa.array(
                np.where(kind == "home", rng.integers(30, 150, n_a), 0).astype(np.int64)
            )
            .cast(pa.decimal128(19, 0))
            .cast(schema.AREA),
            "housing_grade": [""] * n_a,
            "business_role": pa.nulls(n_a, pa.string()),
            "business_operating": pa.nulls(n_a, pa.bool_()),
            "as_of": _dates(np.full(n_a, _days(dt.date(2025, 6, 30)))),
            "source": ["bench"] * n_a,
        },
        schema=schema.ASSETS,
    )
    spenders = np.flatnonzero(rng.random(n_h) < 0.15)
    n_x = len(spenders)
    out["expenditures"] = pa.table(
        {
            "household_id": hid[spenders],
            "person_id": pa.nulls(n_x, pa.int64()),
            "kind": np.array(["medical", "education", "rehabilitation"])[rng.integers(0, 3, n_x)],
            "amount": _money(rng.lognormal(9, 1, n_x)),
            "date": _dates(_days(AS_OF) - rng.integers(1, 400, n_x)),
            "source": ["bench"] * n_x,
        },
        schema=schema.EXPENDITURES,
    )
    hit = np.flatnonzero(rng.random(n_h) < 0.01)
    out["events"] = pa.table(
        {
            "household_id": hid[hit],
            "person_id": pa.nulls(len(hit), pa.int64()),
            "kind": np.array(["accident", "disaster", "major_illness"])[
                rng.integers(0, 3, len(hit))
            ],
            "date": _dates(_days(AS_OF) - rng.integers(1, 200, len(hit))),
            "amount": pa.nulls(len(hit), schema.MONEY),
            "detail": [""] * len(hit),
            "source": ["bench"] * len(hit),
        },
        schema=schema.EVENTS,
    )
    on = np.flatnonzero(rng.random(n_h) < 0.03)
    out["enrolments"] = pa.table(
        {
            "household_id": hid[on],
            "person_id": pa.nulls(len(on), pa.int64()),
            "programme": ["dibao"] * len(on),
            "start_date": _dates(np.full(len(on), _days(dt.date(2024, 1, 1)))),
            "end_date": pa.nulls(len(on), pa.date32()),
            "monthly_amount": _money(np.full(len(on), 500)),
            "source": ["bench"] * len(on),
        },
        schema=schema.ENROLMENTS,
    )
    return out


def generate(persons: int, out: Path, seed: int = 7) -> None:
    """A synthetic population of about ``persons`` people as Parquet files in ``out``, written
    block by block (memory stays bounded), households and persons numbered in order."""
    out.mkdir(parents=True, exist_ok=True)
    writers = {
        name: pq.ParquetWriter(out / f"{name}.parquet", target)
        for name, target in schema.TABLES.items()
    }
    hh0 = p0 = 0
    done = 0
    for block in range(max(1, -(-persons // BLOCK_PERSONS))):
        rng = np.random.default_rng([seed, block])
        tables = _block(min(BLOCK_PERSONS, persons - done), rng, hh0, p0)
        for name, table in tables.items():
            writers[name].write_table(table, row_group_size=ROW_GROUP)
        hh0 += tables["households"].num_rows
        p0 += tables["persons"].num_rows
        done += BLOCK_PERSONS
    for writer in writers.values():
        writer.close()


def generate_demo(persons: int, out: Path, seed: int = 7) -> None:
    """The synthetic Chongqing population (``minzheng generate``'s generator)."""
    from minzheng.demo.population import Options
    from minzheng.demo.population import generate as demo_generate

    demo_generate(out=out, options=Options(persons=persons, seed=seed, as_of=AS_OF))


def _load() -> str:
    """The machine's load average (1, 5, 15 min): other work competes for the two cores."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def screening(args: argparse.Namespace, src: Path) -> None:
    from minzheng.engine.screening import screen

    out = Path(tempfile.mkdtemp(prefix="mz-bench-out-"))
    print(f"load average {_load()}; DuckDB threads {args.threads or os.cpu_count()}")
    t, c = time.perf_counter(), time.process_time()
    result = screen(
        src,
        AS_OF,
        out,
        progress=lambda m: print(f"  [{time.perf_counter() - t:6.1f} s] {m}", flush=True),
        chunk_persons=args.chunk_persons,
        threads=args.threads,
        memory_limit=args.memory_limit,
    )
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    for stage, seconds in result.seconds.items():
        used = result.cpu_seconds.get(stage, 0.0)
        print(f"  stage {stage:<9} wall {seconds:7.1f} s   CPU {used:7.1f} s")
    print(
        f"screened {result.persons:,} persons / {result.households:,} households → "
        f"{result.rows:,} determinations in {wall:.1f} s (CPU {cpu:.1f} s, "
        f"{cpu / max(result.persons, 1) * 1e6:.2f} CPU-s per million persons): "
        f"{result.persons / wall:,.0f} persons/s"
    )
    print(f"peak RSS {peak_rss_mb():,.0f} MB; load average {_load()}")
    shutil.rmtree(out, ignore_errors=True)


def household_latency(args: argparse.Namespace, src: Path) -> None:
    from minzheng.engine.backends import connect_duckdb
    from minzheng.engine.evaluation import resolve_parameters
    from minzheng.engine.explanation import explain_household
    from minzheng.engine.population import Population, load_population

    con = connect_duckdb()
    loaded = load_population(src, con=con)
    tables = {
        name: con.create_table(f"registry_{name}", loaded.tables[name], temp=True)
        for name in schema.TABLES
    }
    pop = Population(con=con, tables=tables)
    ids = con.to_pyarrow(tables["households"].select("household_id"))["household_id"]
    random.seed(args.seed)
    pick = random.sample(ids.to_pylist(), min(args.household_latency, len(ids)))
    snap = resolve_parameters(None, AS_OF)

    def one(hid: int) -> None:
        for e in explain_household(pop, hid, snap).values():
            e.render()
            e.as_dict()

    t = time.perf_counter()
    one(pick[0])
    print(f"first household (compiles and prepares the plan): {time.perf_counter() - t:.2f} s")
    wall, cpu = time_each(one, pick)
    print(
        f"one household from {len(ids):,}, every programme with explanation (n={len(pick)}): "
        f"{latency(wall, cpu)}"
    )
    print(f"load average {_load()}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--input", type=Path, help="existing population Parquet directory")
    parser.add_argument("--keep", type=Path, help="where to keep the generated population")
    parser.add_argument("--generator", choices=["bench", "demo"], default="bench")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--chunk-persons", type=int, default=2_000_000)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--memory-limit", default="6GB")
    parser.add_argument(
        "--household-latency", type=int, default=0, metavar="N", help="time N households"
    )
    parser.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate_only:
        gen = generate_demo if args.generator == "demo" else generate
        gen(args.persons, args.keep, args.seed)
        return
    src = args.input
    if src is None:
        src = args.keep or Path(tempfile.mkdtemp(prefix="mz-bench-pop-")) / "population"
        t = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--generate-only",
                "--persons",
                str(args.persons),
                "--keep",
                str(src),
                "--generator",
                args.generator,
                "--seed",
                str(args.seed),
            ],
            check=True,
        )
        print(f"generated {args.persons:,} persons in {time.perf_counter() - t:.1f} s → {src}")
    if args.household_latency:
        household_latency(args, src)
    else:
        screening(args, src)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
