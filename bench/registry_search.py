"""How fast household search answers on a registry of a million persons (SQLite by default).

    MINZHENG_VAR_DIR=/tmp/mz-search-bench uv run python bench/registry_search.py --persons 1000000

Builds (once; reused when the data directory already holds it) a registry of ``--persons`` people
in households of about 2.6 spread over every village of Chongqing, with encrypted ID numbers,
keyed hashes and masked copies as the registry stores them, written with ``bulk_create``. Then
times each kind of search — as a county officer and as a city-wide user, through ``restrict()`` —
the page count the paginator asks for, the rows of one results page, and the division browser's
person counter. Prints one line per query (median of several runs, in milliseconds).

Not a test: the numbers depend on the machine. Point ``DATABASE_URL`` at PostgreSQL to measure it
there instead.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minzheng.settings")
os.environ.setdefault("MINZHENG_VAR_DIR", "/tmp/mz-search-bench")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from tests.scope import make_scoped_user  # noqa: E402

from minzheng.divisions import counters  # noqa: E402
from minzheng.divisions.models import Division  # noqa: E402
from minzheng.registry import idnumbers, pii, selectors  # noqa: E402
from minzheng.registry.models import DigestField, Household, Membership, Person  # noqa: E402
from minzheng.registry.services.fingerprints import fact_fingerprint  # noqa: E402

SURNAMES = (
    "陈李张刘王杨周黄罗何谭唐吴赵徐胡冉向田彭邓曾熊蒋杜郭马朱孙林高郑梁谢宋许韩冯曹肖董袁蔡余"
)
GIVEN = "建国秀英明华军伟芳娟敏静丽强磊洋勇艳杰娜涛超平刚桂兰玉梅浩宇梓涵子轩欣怡一诺雨萱俊杰"
ROADS = [
    "人民路",
    "解放路",
    "新华路",
    "中山路",
    "建设路",
    "和平路",
    "胜利路",
    "长江路",
    "滨江路",
    "学府路",
]
BATCH = 5000
CAP = 10_000  # the results page counts at most this many (see registry.views.PAGE_COUNT_CAP)


def _ids(rng: random.Random, county: str, used: set[str]) -> tuple[str, date, str]:
    while True:
        birth = date(1930, 1, 1) + timedelta(days=rng.randrange(0, 34000))
        sex = rng.choice("MF")
        seq = rng.randrange(0, 500) * 2 + (1 if sex == "M" else 0)
        first17 = f"{county}{birth:%Y%m%d}{seq:03d}"
        number = first17 + idnumbers.check_character(first17)
        if number not in used:
            used.add(number)
            return number, birth, sex


def _next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        return int(cursor.fetchone()[0]) + 1


PERSON_SQL = (
    "INSERT INTO registry_person (id, id_number_encrypted, id_number_hash, id_number_masked, name,"
    " sex, birth_date, life_status, disability_kind, self_care_items_lost, work_capacity,"
    " school_status, employment_status, industry, major_illness, lacks_civil_capacity,"
    " field_sources, created_at, residence_division_id)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, 'living', '', 0, '', '', '', '', FALSE, FALSE, '{}', %s, %s)"
)
HOUSEHOLD_SQL = (
    "INSERT INTO registry_household (id, number, division_id, area_type, address, head_id, created_at)"
    " VALUES (%s, %s, %s, '', %s, %s, %s)"
)
MEMBERSHIP_SQL = (
    "INSERT INTO registry_membership (id, household_id, person_id, relation, apart_reason,"
    " fingerprint, recorded_at) VALUES (%s, %s, %s, %s, '', %s, %s)"
)


def build(persons: int, seed: int) -> None:
    """Fill the registry with ``persons`` people in households over every village.

    Rows go in through plain ``executemany`` (the ORM's per-object overhead would dominate the
    build); the values are what the registry stores: encrypted number, keyed hash (its bytes,
    as ``DigestField`` stores it), masked copy.
    """
    rng = random.Random(seed)
    villages = list(
        Division.objects.filter(level="village", valid_to__isnull=True).order_by("code")
    )
    used: set[str] = set()
    serial: dict[str, int] = {}
    person_id = _next_id("registry_person")
    household_id = _next_id("registry_household")
    membership_id = _next_id("registry_membership")
    now = timezone.now()
    made = 0
    started = time.perf_counter()
    while made < persons:
        people: list[tuple[Any, ...]] = []
        homes: list[tuple[Any, ...]] = []
        members: list[tuple[Any, ...]] = []
        while len(people) < BATCH and made + len(people) < persons:
            village = rng.choice(villages)
            size = min(
                rng.choice((1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5, 6)), persons - made - len(people)
            )
            serial[village.code] = serial.get(village.code, 0) + 1
            number = f"{village.code}{serial[village.code]:06d}"
            surname = rng.choice(SURNAMES)
            head_id = person_id
            for position in range(size):
                id_number, birth, sex = _ids(rng, village.code[:6], used)
                given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
                key = pii.lookup_hash(id_number)
                name = (surname if rng.random() < 0.6 else rng.choice(SURNAMES)) + given
                people.append(
                    (
                        person_id,
                        pii.encrypt(id_number),
                        DigestField.to_db(key),
                        idnumbers.mask(id_number),
                        name,
                        sex,
                        birth,
                        now,
                        village.pk,
                    )
                )
                relation = "head" if position == 0 else rng.choice(("spouse", "child", "parent"))
                fp = fact_fingerprint(
                    "membership", source="bench", household=number, person=key, relation=relation
                )
                members.append(
                    (membership_id, household_id, person_id, relation, DigestField.to_db(fp), now)
                )
                person_id += 1
                membership_id += 1
            address = f"{village.name}{rng.choice(ROADS)}{rng.randrange(1, 300)}号"
            homes.append((household_id, number, village.pk, address, head_id, now))
            household_id += 1
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(PERSON_SQL, people)
            cursor.executemany(HOUSEHOLD_SQL, homes)
            cursor.executemany(MEMBERSHIP_SQL, members)
        made += len(people)
        rate = made / (time.perf_counter() - started)
        print(f"\r  {made:>9,} persons ({rate:,.0f}/s)", end="", file=sys.stderr)
    print(file=sys.stderr)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def timed(label: str, run: Callable[[], Any], repeat: int = 5) -> None:
    """Median wall time and process CPU time of ``run`` (the machine may be shared: CPU time is
    what the query itself costs)."""
    run()  # warm the page cache
    walls, cpus = [], []
    result = None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = run()
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    size = len(result) if isinstance(result, list) else result if isinstance(result, int) else 1
    print(
        f"{label:<52} {statistics.median(walls):8.1f} ms wall {statistics.median(cpus):8.1f} ms cpu"
        f"   ({size})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    if not Division.objects.exists():
        call_command("load_divisions", verbosity=0)
    if Person.objects.count() < args.persons:
        print(f"building {args.persons:,} persons in {os.environ['MINZHENG_VAR_DIR']} …")
        build(args.persons - Person.objects.count(), args.seed)
    total = Person.objects.count()
    print(f"{connection.vendor}: {total:,} persons, {Household.objects.count():,} households\n")

    actions = ("household.view",)
    county = make_scoped_user(actions, division="500101", username=f"bench-county-{time.time_ns()}")
    city = make_scoped_user(actions, division="500000", username=f"bench-city-{time.time_ns()}")
    sample = (
        Person.objects.order_by("?").first()
        if connection.vendor != "sqlite"
        else Person.objects.get(pk=total // 2)
    )
    assert sample is not None
    number = pii.decrypt(sample.id_number_encrypted)
    home = Membership.objects.filter(person=sample).select_related("household").first()
    assert home is not None
    rare = sample.name
    wanzhou = Division.objects.get(code="500101")
    township = Division.objects.filter(parent=wanzhou).order_by("code").first()
    assert township is not None

    def page(user: Any, **kw: Any) -> Callable[[], list[Any]]:
        return lambda: list(selectors.household_search(user=user, **kw)[:25])

    def count(user: Any, **kw: Any) -> Callable[[], int]:
        return lambda: selectors.household_search(user=user, **kw).count()

    def capped(user: Any, **kw: Any) -> Callable[[], int]:
        return lambda: selectors.household_search(user=user, **kw).order_by()[: CAP + 1].count()

    for who, user in (("city", city), ("county 万州区", county)):
        print(f"— as a {who} user (first page of 25 / paginator count)")
        timed("  no filter, page", page(user))
        timed("  no filter, count", count(user))
        timed(f"  no filter, count capped at {CAP:,}", capped(user))
        timed("  full ID number (keyed hash), page", page(user, q=number))
        timed("  masked ID number, page", page(user, q=sample.id_number_masked))
        timed("  last four of the ID, page", page(user, q=number[-4:]))
        timed("  last four of the ID, count", count(user, q=number[-4:]))
        timed(f"  full name {rare}, page", page(user, q=rare))
        timed("  common surname 王, page", page(user, q="王"))
        timed("  common surname 王, count", count(user, q="王"))
        timed(f"  common surname 王, count capped at {CAP:,}", capped(user, q="王"))
        timed(
            "  household number prefix (12 digits), page", page(user, q=home.household.number[:12])
        )
        timed("  address substring, page", page(user, q="人民路12号"))
        timed("  address substring, count", count(user, q="人民路12号"))
        timed(f"  division subtree {township.name}, page", page(user, division=township))
        timed(f"  division subtree {township.name}, count", count(user, division=township))
        timed("  surname 王 in 万州区, count", count(user, q="王", division=wanzhou))
    households = list(selectors.household_search(user=city, q="王")[:25])
    timed(
        "rows for one page (members, counts, programmes)",
        lambda: selectors.household_rows(households),
    )
    timed("household detail", lambda: selectors.household_detail(household=home.household))
    timed("household timeline", lambda: selectors.household_timeline(household=home.household))
    timed(
        "division browser: persons per county (whole city)",
        lambda: len(
            counters.subtree_totals(
                [d.path for d in Division.objects.filter(level="county", valid_to__isnull=True)]
            )
        ),
        repeat=3,
    )


if __name__ == "__main__":
    main()
