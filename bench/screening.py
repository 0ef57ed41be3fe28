"""Screening benchmark: persons/s and peak memory for the whole programme catalogue.

    uv run python bench/screening.py --persons 1000000 [--input DIR] [--keep DIR] [--explain 20]

Without --input, a population of the requested size is generated here (vectorised NumPy, the
population schema, plausible shares of elderly, disabled, low-income households); with --input,
an existing Parquet population (e.g. from `minzheng generate`) is read. Prints generation time,
screening time, persons/s, peak RSS, and the p50/p95 of explaining one household (every
programme) when --explain N is given. 10M and 32M are run with --persons; they need disk space
for the Parquet files and take minutes: run them rarely.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from minzheng.engine import schema
from minzheng.engine.screening import screen

AS_OF = dt.date(2025, 8, 1)
EPOCH = dt.date(1970, 1, 1)


def _days(day: dt.date) -> int:
    return (day - EPOCH).days


def _money(values: np.ndarray) -> pa.Array:
    """Whole yuan (int64) as decimal(14, 2)."""
    return (
        pa.array(values.astype(np.int64), pa.int64()).cast(pa.decimal128(19, 0)).cast(schema.MONEY)
    )


def generate(persons: int, out: Path, seed: int = 7) -> None:
    """A synthetic population of about ``persons`` people, written as Parquet files in ``out``."""
    rng = np.random.default_rng(seed)
    sizes = rng.choice(
        [1, 2, 3, 4, 5], size=int(persons / 2.6) + 1, p=[0.22, 0.3, 0.25, 0.15, 0.08]
    )
    sizes = sizes[np.cumsum(sizes) <= persons]
    n_h = len(sizes)
    n_p = int(sizes.sum())
    hh_of = np.repeat(np.arange(1, n_h + 1), sizes)
    first = np.r_[0, np.cumsum(sizes)[:-1]]
    pos = np.arange(n_p) - np.repeat(first, sizes)
    pid = np.arange(1, n_p + 1)
    rel = np.where(pos == 0, "head", np.where(pos == 1, "spouse", "child"))
    rel = np.where((pos >= 3) & (rng.random(n_p) < 0.4), "parent", rel)
    age = np.where(rel == "child", rng.integers(0, 30, n_p), rng.integers(20, 95, n_p))
    age = np.where(rel == "parent", rng.integers(60, 100, n_p), age)
    birth = (
        np.array(_days(AS_OF), dtype=np.int64)
        - (age * 365.25).astype(np.int64)
        - rng.integers(0, 365, n_p)
    )
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
    out.mkdir(parents=True, exist_ok=True)
    null_str = pa.nulls(n_p, pa.string())
    pq.write_table(
        pa.table(
            {
                "person_id": pid,
                "id_number": null_str,
                "name": null_str,
                "sex": np.where(rng.random(n_p) < 0.5, "M", "F"),
                "birth_date": pa.array(birth.astype("int32"), pa.int32()).cast(pa.date32()),
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
                "source": pa.array(["bench"] * n_p).dictionary_encode().cast(pa.string()),
            },
            schema=schema.PERSONS,
        ),
        out / "persons.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "household_id": np.arange(1, n_h + 1),
                "head_person_id": first + 1,
                "division_code": division,
                "area_type": np.where(village < 200, "urban", "rural"),
                "address": pa.nulls(n_h, pa.string()),
                "source": ["bench"] * n_h,
            },
            schema=schema.HOUSEHOLDS,
        ),
        out / "households.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "household_id": hh_of,
                "person_id": pid,
                "relation": rel,
                "apart_reason": np.where(rng.random(n_p) < 0.003, "prison", ""),
                "valid_from": pa.array(np.full(n_p, _days(dt.date(2010, 1, 1)), np.int32)).cast(
                    pa.date32()
                ),
                "valid_to": pa.nulls(n_p, pa.date32()),
                "source": ["bench"] * n_p,
            },
            schema=schema.MEMBERSHIPS,
        ),
        out / "memberships.parquet",
    )
    earners = np.flatnonzero(working | (age >= 60))
    monthly = np.where(
        age[earners] >= 60,
        rng.lognormal(6.5, 0.6, len(earners)),
        rng.lognormal(7.8, 0.8, len(earners)),
    )
    start, end = _days(dt.date(2024, 8, 1)), _days(dt.date(2025, 7, 31))
    n_i = len(earners)
    pq.write_table(
        pa.table(
            {
                "person_id": pid[earners],
                "household_id": hh_of[earners],
                "kind": np.where(age[earners] >= 60, "pension", "business"),
                "amount": _money(monthly * 12),
                "period_start": pa.array(np.full(n_i, start, np.int32)).cast(pa.date32()),
                "period_end": pa.array(np.full(n_i, end, np.int32)).cast(pa.date32()),
                "source": ["bench"] * n_i,
            },
            schema=schema.INCOMES,
        ),
        out / "incomes.parquet",
    )
    owners = np.flatnonzero(rng.random(n_h) < 0.5)
    n_a = len(owners)
    kind = np.array(["deposit", "car", "home", "deposit"])[rng.integers(0, 4, n_a)]
    pq.write_table(
        pa.table(
            {
                "household_id": owners + 1,
                "person_id": first[owners] + 1,
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
                "as_of": pa.array(np.full(n_a, _days(dt.date(2025, 6, 30)), np.int32)).cast(
                    pa.date32()
                ),
                "source": ["bench"] * n_a,
            },
            schema=schema.ASSETS,
        ),
        out / "assets.parquet",
    )
    spenders = np.flatnonzero(rng.random(n_h) < 0.15)
    n_x = len(spenders)
    pq.write_table(
        pa.table(
            {
                "household_id": spenders + 1,
                "person_id": pa.nulls(n_x, pa.int64()),
                "kind": np.array(["medical", "education", "rehabilitation"])[
                    rng.integers(0, 3, n_x)
                ],
                "amount": _money(rng.lognormal(9, 1, n_x)),
                "date": pa.array(_days(AS_OF) - rng.integers(1, 400, n_x).astype(np.int32)).cast(
                    pa.date32()
                ),
                "source": ["bench"] * n_x,
            },
            schema=schema.EXPENDITURES,
        ),
        out / "expenditures.parquet",
    )
    hit = np.flatnonzero(rng.random(n_h) < 0.01)
    pq.write_table(
        pa.table(
            {
                "household_id": hit + 1,
                "person_id": pa.nulls(len(hit), pa.int64()),
                "kind": np.array(["accident", "disaster", "major_illness"])[
                    rng.integers(0, 3, len(hit))
                ],
                "date": pa.array(
                    _days(AS_OF) - rng.integers(1, 200, len(hit)).astype(np.int32)
                ).cast(pa.date32()),
                "amount": pa.nulls(len(hit), schema.MONEY),
                "detail": [""] * len(hit),
                "source": ["bench"] * len(hit),
            },
            schema=schema.EVENTS,
        ),
        out / "events.parquet",
    )
    on = np.flatnonzero(rng.random(n_h) < 0.03)
    pq.write_table(
        pa.table(
            {
                "household_id": on + 1,
                "person_id": pa.nulls(len(on), pa.int64()),
                "programme": ["dibao"] * len(on),
                "start_date": pa.array(np.full(len(on), _days(dt.date(2024, 1, 1)), np.int32)).cast(
                    pa.date32()
                ),
                "end_date": pa.nulls(len(on), pa.date32()),
                "monthly_amount": _money(np.full(len(on), 500)),
                "source": ["bench"] * len(on),
            },
            schema=schema.ENROLMENTS,
        ),
        out / "enrolments.parquet",
    )


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--input", type=Path, help="existing population Parquet directory")
    parser.add_argument("--keep", type=Path, help="where to keep the generated population")
    parser.add_argument("--backend", default="duckdb", choices=["duckdb", "spark"])
    parser.add_argument("--explain", type=int, default=0, help="time N one-household explanations")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory(prefix="mz-bench-")
    src = args.input
    if src is None:
        src = args.keep or Path(tmp.name) / "population"
        t = time.perf_counter()
        generate(args.persons, src)
        print(f"generated {args.persons:,} persons in {time.perf_counter() - t:.1f} s → {src}")
    out = Path(tmp.name) / "out"
    t = time.perf_counter()
    result = screen(src, AS_OF, out, backend=args.backend, progress=lambda m: print("  ", m))
    elapsed = time.perf_counter() - t
    print(
        f"screened {result.persons:,} persons / {result.households:,} households → "
        f"{result.rows:,} determinations in {elapsed:.1f} s: {result.persons / elapsed:,.0f} persons/s"
    )
    print("  stages:", {k: round(v, 1) for k, v in result.seconds.items()})
    print(f"peak RSS {peak_rss_mb():,.0f} MB")
    if args.explain:
        from minzheng.engine import explain, load_population
        from minzheng.engine.programmes import CATALOGUE

        pop = load_population(src)
        times = []
        for hid in range(1, args.explain + 1):
            t = time.perf_counter()
            for prog in CATALOGUE:
                explain(pop, hid, prog.name, as_of=AS_OF)
            times.append(time.perf_counter() - t)
        times.sort()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        print(
            f"one household, every programme with explanation: p50 {statistics.median(times) * 1000:,.0f} ms, "
            f"p95 {p95 * 1000:,.0f} ms (n={len(times)})"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
