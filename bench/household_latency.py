"""One household from the registry, every programme, with explanation: latency.

    uv run --frozen python bench/household_latency.py                        # 1,000,000 persons
    uv run --frozen python bench/household_latency.py --persons 100000 --households 300

Runs on its own SQLite registry under ``--var-dir`` (default ``/tmp/bench-household-latency``;
``DATABASE_URL`` is ignored). When that registry holds no household it is built first (not
timed): migrate, the division tree, the policy parameters, then ``minzheng generate --into-db``
with ``--persons`` (seed 1, as of ``--as-of``). A later run reuses it.

Then, for ``--households`` random open households, it does what the household page, ``minzheng
explain`` and the API do: ``monitoring.outcomes.household_outcome`` (the parameters in force from
the database, the household's rows read from the registry through ``household_source``, every
programme evaluated and explained in one run, the members' names) and every explanation rendered
as text and as JSON. It prints p50/p95 of wall and CPU time, the first call (which compiles and
prepares the engine's plan) apart, and the same figures for its parts alone: the two reads, the
engine, the rendering.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from timing import latency, time_each

DEFAULT_VAR = Path("/tmp/bench-household-latency")


def _setup(var_dir: Path) -> None:
    var_dir.mkdir(parents=True, exist_ok=True)
    os.environ["MINZHENG_VAR_DIR"] = str(var_dir)
    os.environ["DATABASE_URL"] = ""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minzheng.settings")
    import django

    django.setup()


def _build(persons: int, as_of: dt.date) -> None:
    from django.core.management import call_command

    from minzheng.registry.models import Household

    call_command("migrate", verbosity=0)
    if Household.objects.exists():
        return
    started = time.perf_counter()
    call_command("load_divisions")
    call_command("load_parameters")
    call_command(
        "generate",
        persons=persons,
        seed=1,
        as_of=as_of,
        into_db=True,
        no_progress=True,
    )
    print(f"registry built in {time.perf_counter() - started:.0f} s")


def _timed(label: str, households: list[Any], call: Callable[[Any], object]) -> None:
    first = households[0]
    t, c = time.perf_counter(), time.process_time()
    call(first)
    print(
        f"{label}: first call {(time.perf_counter() - t) * 1000:,.0f} ms wall, "
        f"{(time.process_time() - c) * 1000:,.0f} ms CPU"
    )
    wall, cpu = time_each(call, households[1:])
    print(f"{label} (n={len(wall)}): {latency(wall, cpu)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--var-dir", type=Path, default=DEFAULT_VAR)
    parser.add_argument("--persons", type=int, default=1_000_000, help="when building")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2025, 9, 30))
    parser.add_argument("--households", type=int, default=200, help="households timed")
    parser.add_argument("--seed", type=int, default=7, help="which households")
    args = parser.parse_args()
    _setup(args.var_dir)
    _build(args.persons, args.as_of)

    from django.db import connection

    from minzheng.engine.explanation import explain_household
    from minzheng.monitoring import outcomes
    from minzheng.registry import snapshot
    from minzheng.registry.models import Household, Membership, Person

    persons = Person.objects.count()
    ids = list(Household.objects.filter(closed_at__isnull=True).values_list("pk", flat=True))
    random.seed(args.seed)
    chosen = random.sample(ids, min(args.households + 1, len(ids)))
    households = list(Household.objects.filter(pk__in=chosen))
    random.shuffle(households)
    members = Membership.objects.filter(household__in=households).count()
    print(
        f"registry: {persons:,} persons, {len(ids):,} open households ({connection.vendor}, "
        f"{args.var_dir}); timing {len(households)} households ({members} memberships), "
        f"as of {args.as_of}"
    )
    day = args.as_of

    def whole(household: Any) -> None:
        outcome = outcomes.household_outcome(household=household, as_of=day)
        for explanation in outcome.explanations.values():
            explanation.render()
            explanation.to_json()

    _timed("whole (page/command/API): read, every programme, every explanation", households, whole)
    _timed(
        "  of which the registry read (household_source)",
        households,
        lambda h: snapshot.household_source(household=h, as_of=day),
    )
    _timed(
        "  of which the parameters read (database)",
        households,
        lambda h: outcomes.parameters_on(day),
    )
    # The engine alone: every programme explained from rows read beforehand (one run each).
    snap, _seed = outcomes.parameters_on(day)
    read = {h.pk: snapshot.household_source(household=h, as_of=day) for h in households}
    explained: dict[int, Any] = {}

    def engine(household: Any) -> None:
        explained[household.pk] = explain_household(read[household.pk], household.pk, snap, day)

    _timed("  of which the engine (explain_household)", households, engine)

    def words(household: Any) -> None:
        for explanation in explained[household.pk].values():
            explanation.render()
            explanation.to_json()

    _timed("  of which rendering (text and JSON of 11 explanations)", households, words)
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


if __name__ == "__main__":
    main()
