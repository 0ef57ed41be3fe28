"""Benchmark of 数据归集: import a large feed file and print rows/s and peak memory.

    uv run python bench/ingest.py --postgres    # 1,000,000 rows of 公安·户籍人口, then of 医保, SQLite and PostgreSQL
    uv run python bench/ingest.py               # the same, SQLite only
    uv run python bench/ingest.py --feed healthcare_medical --persons 200000
    uv run python bench/ingest.py --feed police_hukou --format xlsx --rows 200000

The file is generated reproducibly (``--seed``): real village codes from the shipped division
data, valid resident ID numbers (unique, issued by the village's county, MOD 11-2 check
character), households of two to four members. ``healthcare_medical`` (and the other feeds
about existing persons) first needs persons: the bench imports a household register of
``--persons`` rows before it (timed separately). A table of the figures ends the output.

Each database gets a fresh one: SQLite under a temporary directory, PostgreSQL as the database
``minzheng_bench`` (or ``--pg-database``; dropped and created again) at
``postgres://postgres@127.0.0.1:5432`` — or the server named by ``DATABASE_URL``. Every import
runs in its own process, so that the memory printed is the import's own: the peak of the
importing process and its reading process (a large file is read and checked in a forked
process) together (their proportional set sizes, sampled: a forked reader shares pages with
its parent), with each one's ``ru_maxrss`` beside it; CPU time is both processes' (and, on a local
PostgreSQL, the server process's). The target on the 2-core reference machine: at least 20,000
rows/s with a peak under 1 GB.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VILLAGES = ROOT / "src" / "minzheng" / "divisions" / "data" / "chongqing-villages.csv"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"
BIRTH_SPAN_DAYS = 32000  # about 87 years of birth dates
OLDEST = date(1935, 1, 1)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国红梅玉兰志强海燕文"
HUKOU_HEADERS = [
    "身份证号码",
    "姓名",
    "性别",
    "出生日期",
    "区划代码",
    "户籍地址",
    "与户主关系",
    "户号",
]
MEDICAL_HEADERS = ["身份证号码", "姓名", "结算日期", "自付金额", "单据号", "医疗机构", "就诊类型"]
RELATIONS = ["户主", "配偶", "子", "女"]


def id_number(index: int, county: str, sex: str) -> str:
    """The ID number of person ``index``: unique for index < 32000 × 499 (bijective mapping)."""
    born = OLDEST + timedelta(days=(index * 7919) % BIRTH_SPAN_DAYS)
    sequence = 2 * (index // BIRTH_SPAN_DAYS) + (1 if sex == "M" else 2)
    first = f"{county}{born:%Y%m%d}{sequence:03d}"
    return first + CHECK[sum(int(d) * w for d, w in zip(first, WEIGHTS, strict=True)) % 11]


def villages() -> list[str]:
    with VILLAGES.open(encoding="utf-8") as handle:
        return [row["code"] for row in csv.DictReader(handle)]


def person(index: int, rng: random.Random, codes: list[str]) -> tuple[str, str, str, int]:
    """(ID number, name, village code, household index) of person ``index``."""
    household = index * 10 // 26  # about 2.6 persons per household
    village = codes[(household * 7) % len(codes)]
    sex = "M" if rng.random() < 0.5 else "F"
    name = (
        rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    )
    return id_number(index, village[:6], sex), name, village, household


def hukou_rows(count: int, seed: int) -> Iterator[list[str]]:
    rng = random.Random(seed)
    codes = villages()
    previous = -1
    position = 0
    for index in range(count):
        number, name, village, household = person(index, rng, codes)
        position = position + 1 if household == previous else 0
        previous = household
        relation = RELATIONS[min(position, len(RELATIONS) - 1)]
        yield [
            number,
            name,
            "",
            "",
            village,
            f"重庆市某区某街道{household % 500}号",
            relation,
            f"{household:08d}",
        ]


def medical_rows(count: int, persons: int, seed: int) -> Iterator[list[str]]:
    rng = random.Random(seed)
    names = random.Random(seed)
    codes = villages()
    # The names of the persons, as the household register gave them (same generator order).
    roster = [person(i, names, codes)[:2] for i in range(persons)]
    start = date.today() - timedelta(days=730)
    for index in range(count):
        number, name = roster[rng.randrange(persons)]
        settled = start + timedelta(days=rng.randrange(720))
        amount = f"{rng.lognormvariate(6, 1.2):.2f}"
        visit = "住院" if rng.random() < 0.1 else "门诊"
        yield [number, name, settled.isoformat(), amount, f"YB{index:010d}", "某区人民医院", visit]


def write(path: Path, headers: list[str], rows: Iterator[list[str]], title: str) -> None:
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([title])
            writer.writerow(headers)
            writer.writerows(rows)
        return
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("数据")
    sheet.append([title])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    book.save(path)


# --- one import, in its own process -----------------------------------------------------------


def child(args: argparse.Namespace) -> None:
    """Set up a fresh database, import the prepared file(s), print one JSON line of results."""
    os.environ["MINZHENG_VAR_DIR"] = args.var
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minzheng.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from minzheng.divisions import services as division_services
    from minzheng.registry.ingest import run_import

    call_command("migrate", verbosity=0)
    division_services.load_divisions()
    results = {}
    if args.register:
        started = time.perf_counter()
        batch = run_import(feed_code="police_hukou", path=args.register, by=None)
        results["register"] = {
            "rows": batch.rows_done,
            "seconds": time.perf_counter() - started,
            "status": batch.status,
        }
        # What the worker (or ``minzheng import``) does after a large batch: the register the
        # fact feed is about has been tidied (vacuumed and analysed, PostgreSQL) before it.
        results["register"].update(_tidied(batch))
    if args.tracemalloc:
        import tracemalloc

        tracemalloc.start()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    server = _server_process()
    server_cpu = _process_cpu(server)
    ticks = _cpu_times()
    started, cpu, reader_cpu = time.perf_counter(), time.process_time(), _children_cpu()
    memory = _MemorySampler()
    memory.start()
    batch = run_import(feed_code=args.feed[0], path=args.file, by=None)
    memory.stop()
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu - memory.cpu
    # The reading process (a file this large is read and checked in a forked process, ended
    # and waited for by the import) counts too.
    reader_cpu = _children_cpu() - reader_cpu
    server_cpu = _process_cpu(server) - server_cpu
    reader_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    results["import"] = {
        "rows": batch.rows_done,
        "created": batch.rows_created,
        "failed": batch.rows_failed,
        "status": batch.status,
        "message": batch.message,
        "seconds": seconds,
        "rows_per_second": batch.rows_done / seconds if seconds else 0,
        # CPU time of the importing process and of its reading process: the rate all of the
        # import's own work would reach on one core.
        "cpu_seconds": cpu + reader_cpu,
        "landing_cpu_seconds": cpu,
        "reader_cpu_seconds": reader_cpu,
        "load_average": os.getloadavg()[0],
        "steal": _steal_since(ticks),
        "peak_rss_mb_before": before / 1024,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        # The reading process is forked: its RSS counts the pages it shares with its parent.
        "reader_peak_rss_mb": reader_peak if reader_cpu else 0,
        # The memory both processes use together: the largest sum of their proportional set
        # sizes (shared pages counted once), sampled every second.
        "peak_pss_mb": memory.peak / 1024,
        # PostgreSQL on this machine: the CPU time of the server process serving the import.
        "server_cpu_seconds": server_cpu if server else None,
    }
    if args.tracemalloc:
        import tracemalloc

        results["import"]["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    # The same after the import measured (not counted in it: the worker does it next).
    results["import"].update(_tidied(batch))
    print("RESULT " + json.dumps(results, ensure_ascii=False))


def _cpu_times() -> tuple[int, int] | None:
    """The machine's CPU time so far (``/proc/stat``, in ticks): all of it, and the part its
    hypervisor took for others ("steal"); ``None`` where the kernel does not say.

    This project's 2-core machines slow down by a third and more within minutes while the
    host reference hardly moves. Part of it is time stolen (vmstat showed 10-25 % steal
    through a slow run); part shows nowhere (a slow run with 1 % steal took half as much CPU
    time again). A figure taken while much was stolen says little of the code; one taken
    with little stolen may still be slow."""
    try:
        with open("/proc/stat", encoding="ascii") as handle:
            fields = [int(f) for f in handle.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    return (sum(fields[:8]), fields[7]) if len(fields) > 7 else None


def _steal_since(before: tuple[int, int] | None) -> float | None:
    """The share of the machine's CPU time stolen since ``before`` (``_cpu_times``)."""
    now = _cpu_times()
    if before is None or now is None or now[0] <= before[0]:
        return None
    return (now[1] - before[1]) / (now[0] - before[0])


def _tidied(batch: Any) -> dict[str, Any]:
    """``tidy_after(batch)``, timed: whether the tables were tidied, and in how long."""
    from minzheng.registry.ingest import tidy_after

    started = time.perf_counter()
    return {"tidied": tidy_after(batch), "tidy_seconds": time.perf_counter() - started}


class _MemorySampler(threading.Thread):
    """Samples the proportional set size (kB) of this process and its children."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0
        self.cpu = 0.0
        self.done = threading.Event()

    @staticmethod
    def _pss(pid: int | str) -> int:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    def run(self) -> None:
        started = time.thread_time()
        while True:
            last = self.done.wait(1.0)
            children = []
            for task in Path("/proc/self/task").iterdir():
                try:
                    children += (task / "children").read_text().split()
                except OSError:
                    continue
            total = self._pss("self") + sum(self._pss(pid) for pid in children)
            self.peak = max(self.peak, total)
            if last:
                break
        # Reading the kernel's page accounting costs some ms: not the import's CPU time.
        self.cpu = time.thread_time() - started

    def stop(self) -> None:
        self.done.set()
        self.join()


def _children_cpu() -> float:
    times = os.times()
    return times.children_user + times.children_system


def _server_process() -> int | None:
    """The process id of the PostgreSQL backend serving this connection, if it is local."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = int(cursor.fetchone()[0])
    return pid if Path(f"/proc/{pid}/stat").exists() else None


def _process_cpu(pid: int | None) -> float:
    """User and system CPU seconds of process ``pid`` so far (0 when unknown)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _postgres_url(name: str) -> str:
    base = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    server, _slash, _name = base.rpartition("/")
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


def run_backend(name: str, args: argparse.Namespace, files: dict[str, Path], work: Path) -> dict:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    if name == "postgresql":
        env["DATABASE_URL"] = _postgres_url(args.pg_database)
    var = work / f"var-{name}"
    command = [
        sys.executable,
        __file__,
        "--child",
        "--var",
        str(var),
        "--feed",
        args.feed,
        "--file",
        str(files["feed"]),
    ]
    if "register" in files:
        command += ["--register", str(files["register"])]
    if args.tracemalloc:
        command.append("--tracemalloc")
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return dict(json.loads(line[7:]))
    raise SystemExit(f"{name}: the import process failed\n{done.stderr[-4000:]}")


FEEDS = ("police_hukou", "healthcare_medical")


def prepare(feed: str, args: argparse.Namespace, work: Path) -> dict[str, Path]:
    """Write the file(s) one feed's import needs: the feed file, and a register before it."""
    files: dict[str, Path] = {}
    started = time.perf_counter()
    if feed == "police_hukou":
        files["feed"] = work / f"hukou.{args.format}"
        write(
            files["feed"],
            HUKOU_HEADERS,
            hukou_rows(args.rows, args.seed),
            "户籍人口信息（基准测试）",
        )
    else:
        files["register"] = work / "hukou-register.csv"
        write(files["register"], HUKOU_HEADERS, hukou_rows(args.persons, args.seed), "户籍人口信息")
        files["feed"] = work / f"medical.{args.format}"
        write(
            files["feed"],
            MEDICAL_HEADERS,
            medical_rows(args.rows, args.persons, args.seed),
            "医疗费用个人自付（基准测试）",
        )
    size = files["feed"].stat().st_size / 2**20
    print(
        f"generated {args.rows:,} rows of {feed} as {args.format} ({size:,.0f} MB) "
        f"in {time.perf_counter() - started:,.1f} s under {work}",
        flush=True,
    )
    return files


def host_reference() -> float:
    """Seconds a fixed piece of pure Python takes here (best of five): the host's speed.

    The 2-core machines this runs on differ by half from one session to the next, and one
    machine's speed moves by 10–15 % between runs; figures of different runs compare only
    next to this."""
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        sum(range(10_000_000))
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--feed",
        action="append",
        choices=FEEDS,
        help="feed to import (repeat for several; default: all of them)",
    )
    parser.add_argument(
        "--persons", type=int, default=200_000, help="register size for a fact feed"
    )
    parser.add_argument("--format", default="csv", choices=["csv", "xlsx"])
    parser.add_argument("--seed", type=int, default=20240105)
    parser.add_argument("--postgres", action="store_true", help="also import into PostgreSQL")
    parser.add_argument(
        "--backend",
        action="append",
        choices=["sqlite", "postgresql"],
        help="import into this database only (repeat for both)",
    )
    parser.add_argument(
        "--pg-database",
        default="minzheng_bench",
        help="PostgreSQL database to drop, create and import into",
    )
    parser.add_argument(
        "--tracemalloc", action="store_true", help="also trace Python allocations (slow)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the generated files and databases"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--var", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--register", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    reference = host_reference()
    print(
        f"host reference: summing 10,000,000 integers in Python takes {reference * 1000:,.0f} ms "
        "(best of 5; compare runs on different machines by it)",
        flush=True,
    )
    work = Path(tempfile.mkdtemp(prefix="mz-bench-ingest-"))
    backends = args.backend or (
        ["sqlite", "postgresql"]
        if (args.postgres or os.environ.get("DATABASE_URL"))
        else ["sqlite"]
    )
    summary: list[str] = []
    for feed in args.feed or FEEDS:
        args.feed = feed
        files = prepare(feed, args, work)
        for name in backends:
            result = run_backend(name, args, files, work)
            if "register" in result:
                reg = result["register"]
                print(
                    f"[{name}] register first: {reg['rows']:,} rows in {reg['seconds']:,.1f} s "
                    f"({reg['rows'] / reg['seconds']:,.0f} rows/s)"
                    + (f", then tidied in {reg['tidy_seconds']:,.1f} s" if reg["tidied"] else "")
                )
            imp = result["import"]
            cpu_rate = imp["rows"] / max(imp["cpu_seconds"], 1e-9)
            print(
                f"[{name}] {feed}: {imp['rows']:,} rows in {imp['seconds']:,.1f} s = "
                f"{imp['rows_per_second']:,.0f} rows/s (process CPU {imp['cpu_seconds']:,.1f} s "
                f"= {cpu_rate:,.0f} rows/s: landing {imp['landing_cpu_seconds']:,.1f} s, "
                f"reading {imp['reader_cpu_seconds']:,.1f} s; "
                f"load average {imp['load_average']:.1f}"
                + (f", steal {imp['steal']:.0%}" if imp.get("steal") is not None else "")
                + "); "
                f"status {imp['status']}, created {imp['created']:,}, failed {imp['failed']:,}; "
                f"peak memory {imp['peak_pss_mb']:,.0f} MB (PSS of both processes; RSS: "
                f"importer {imp['peak_rss_mb']:,.0f} MB, reader {imp['reader_peak_rss_mb']:,.0f} MB)"
                + (
                    f"; server process CPU {imp['server_cpu_seconds']:,.1f} s"
                    if imp.get("server_cpu_seconds") is not None
                    else ""
                )
                + (
                    f", traced peak {imp['tracemalloc_peak_mb']:,.0f} MB"
                    if "tracemalloc_peak_mb" in imp
                    else ""
                )
                + (
                    f"; then tidied (VACUUM ANALYZE, not counted) in {imp['tidy_seconds']:,.1f} s"
                    if imp["tidied"]
                    else ""
                ),
                flush=True,
            )
            summary.append(
                f"| {feed} → {name} | {imp['seconds']:,.1f} s | {imp['rows_per_second']:,.0f} | "
                f"{imp['cpu_seconds']:,.1f} s | {cpu_rate:,.0f} | "
                + (
                    f"{imp['server_cpu_seconds']:,.1f} s"
                    if imp.get("server_cpu_seconds") is not None
                    else "—"
                )
                + f" | {imp['peak_pss_mb']:,.0f} MB | {imp['load_average']:.1f} | "
                + (f"{imp['steal']:.0%}" if imp.get("steal") is not None else "—")
                + " |"
            )
        if not args.keep:
            for path in files.values():
                path.unlink(missing_ok=True)
    print(f"\nhost reference: {reference * 1000:,.0f} ms (taken at the start)")
    print(
        f"\n| {args.rows:,} rows, {args.format} | wall | rows/s (wall) | process CPU "
        "| rows/s (CPU) | server CPU | peak memory | load avg | steal |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(summary))
    if not args.keep:
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
