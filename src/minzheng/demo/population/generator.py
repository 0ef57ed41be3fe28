"""Generating the population block by block and streaming it to Parquet in bounded memory.

``generate`` writes one Parquet file per table of the engine schema (``persons.parquet`` …), each
holding one row group per chunk, plus ``planted_situations.parquet`` (the situation planted in
every household, for tests and for measuring what monitoring finds) and ``manifest.json`` (the
arguments, row counts and feeds). Same seed and arguments → the same tables, whatever the chunk
size: randomness is drawn per block of households from (seed, block number).
"""

from __future__ import annotations

import hashlib
import json
import resource
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tqdm import tqdm

from minzheng.demo.population import assets, incomes, people, records, situations, spending
from minzheng.demo.population import calibration as cal
from minzheng.demo.population.block import BLOCK_HOUSEHOLDS, Block, day_number, years
from minzheng.demo.population.facts import Facts
from minzheng.demo.population.households import (
    TEMPLATE_CLASS,
    TEMPLATE_SIZE,
    draw_templates,
    expand,
)
from minzheng.demo.population.ids import IdIssuer
from minzheng.demo.population.names import draw_surnames, full_names, given_names
from minzheng.demo.population.places import VillageSampler, addresses, load_places
from minzheng.demo.population.sources import FEEDS
from minzheng.demo.population.tables import PLANTED_SITUATIONS, Ids, build
from minzheng.engine import schema

GENERATOR_VERSION = 1
DEFAULT_CHUNK_PERSONS = 500_000
ALL_COUNTIES: tuple[str, ...] = tuple(sorted(cal.COUNTY_POPULATION))
SCHEMAS: dict[str, pa.Schema] = {**schema.TABLES, "planted_situations": PLANTED_SITUATIONS}
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Options:
    """What defines a population: the same options always give the same tables."""

    persons: int
    seed: int
    as_of: date
    counties: tuple[str, ...] = ALL_COUNTIES

    def __post_init__(self) -> None:
        if self.persons < 1:
            raise ValueError("persons must be at least 1")
        if not self.counties:
            raise ValueError("choose at least one county")
        unknown = [c for c in self.counties if c not in cal.COUNTY_POPULATION]
        if unknown:
            raise ValueError(f"unknown county codes: {', '.join(unknown)}")
        if self.as_of > date.today():
            raise ValueError("the as-of date cannot be in the future (ID numbers would be invalid)")

    @property
    def key(self) -> str:
        """Names this population in the registry: everything but its size, so a larger run with
        the same seed, counties and date extends a smaller one instead of duplicating it."""
        text = json.dumps(
            [GENERATOR_VERSION, self.seed, sorted(self.counties), self.as_of.isoformat()]
        )
        return hashlib.sha256(text.encode()).hexdigest()[:10]


@dataclass(frozen=True)
class GenerationResult:
    """What ``generate`` wrote."""

    out: Path
    persons: int
    households: int
    rows: dict[str, int]
    situations: dict[str, int]
    seconds: float
    peak_rss_mb: float


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _Context:
    """What every block shares: the places, the village sampler and the ID number issuer."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.as_of_day = day_number(options.as_of)
        self.places = places = load_places()
        self.sampler = VillageSampler(places, options.counties, options.seed)
        old_codes = {old for old, _year in cal.RETIRED_COUNTY_CODES.values()}
        self.issuer = IdIssuer(tuple(sorted(set(places.county_codes) | old_codes)), options.as_of)
        self.current_code = np.array([self.issuer.code_index(c) for c in places.county_codes])
        self.retired_code = np.array(
            [
                self.issuer.code_index(cal.RETIRED_COUNTY_CODES[c][0])
                if c in cal.RETIRED_COUNTY_CODES
                else -1
                for c in places.county_codes
            ]
        )
        self.retired_year = np.array(
            [cal.RETIRED_COUNTY_CODES.get(c, ("", 0))[1] for c in places.county_codes]
        )
        self.moved_codes = np.array([self.issuer.code_index(c) for c in cal.ELDERLY_MOVED_ID_CODES])


def iter_blocks(options: Options) -> Iterator[dict[str, pa.Table]]:
    """The population's tables, one block of households at a time, in order.

    Blocks are always generated whole and the last one is cut after the household holding the
    ``persons``-th person, so a population is exactly the first households of any larger one with
    the same seed, counties and date (it may hold up to a household's size minus one more people
    than asked for).
    """
    context = _Context(options)
    remaining = options.persons
    person_offset = household_offset = 0
    index = 0
    while remaining > 0:
        tables = _block(context, index, person_offset, household_offset)
        if tables["persons"].num_rows > remaining:
            tables = _cut(tables, remaining)
        n_persons = tables["persons"].num_rows
        remaining -= n_persons
        person_offset += n_persons
        household_offset += tables["households"].num_rows
        index += 1
        yield tables


def _cut(tables: dict[str, pa.Table], persons: int) -> dict[str, pa.Table]:
    """The block's tables up to the end of the household holding its ``persons``-th person."""
    memberships = tables["memberships"]
    last_household = memberships.column("household_id")[persons - 1]
    in_households = pc.less_equal(memberships.column("household_id"), last_household)
    last_person = pc.max(memberships.filter(in_households).column("person_id"))
    cut: dict[str, pa.Table] = {}
    for name, table in tables.items():
        if name == "persons":
            cut[name] = table.filter(pc.less_equal(table.column("person_id"), last_person))
        else:
            cut[name] = table.filter(pc.less_equal(table.column("household_id"), last_household))
    return cut


def _block(
    context: _Context, index: int, person_offset: int, household_offset: int
) -> dict[str, pa.Table]:
    options, places = context.options, context.places
    rng = np.random.default_rng(np.random.SeedSequence([options.seed, index]))
    village = context.sampler.draw(rng, BLOCK_HOUSEHOLDS)
    urban = places.village_urban[village]
    template = draw_templates(rng, urban)
    size = TEMPLATE_SIZE[template].copy()
    household_class = TEMPLATE_CLASS[template]
    situation = situations.assign(rng, household_class, urban)
    members = expand(rng, template, size)
    block = Block(
        index=index,
        as_of_day=context.as_of_day,
        rng=rng,
        village=village,
        urban=urban,
        template=template,
        household_class=household_class,
        situation=situation,
        size=size,
        members=members,
    )
    head_age = members.age[members.first]
    together_years = rng.uniform(0.3, 1.0, len(size)) * np.clip(head_age - 18, 0.5, 35)
    block.formed_day = (context.as_of_day - together_years * 365.25).astype(np.int64)

    people.draw_attributes(block)
    people.plant(block)
    facts = Facts()
    incomes.place_incomes(block)
    incomes.incomes(block, facts)
    assets.assets(block, facts)
    spending.expenditures(block, facts)
    records.events(block, facts)
    records.enrolments(block, facts)

    hukou_village, code = _registration(context, block)
    id_numbers = context.issuer.issue(code, block.birth_day, members.male)
    return build(
        block,
        facts,
        Ids(block, person_offset, household_offset),
        id_numbers=id_numbers,
        names=_names(block),
        hukou_village=hukou_village,
        village_codes=places.village_codes,
        addresses=addresses(places, village, urban, rng),
    )


def _registration(context: _Context, block: Block) -> tuple[np.ndarray, np.ndarray]:
    """Each person's household registration village and the address code of their ID number."""
    rng, m, places = block.rng, block.members, context.places
    n = block.n_persons
    hukou = block.village[m.household].copy()
    elsewhere = (m.age >= 18) & (m.age < 60) & (rng.random(n) < cal.HUKOU_ELSEWHERE_SHARE)
    hukou[elsewhere] = context.sampler.draw_any(rng, int(elsewhere.sum()))
    county = places.village_county[hukou]
    code = context.current_code[county]
    born_before = years(block.birth_day) < context.retired_year[county]
    old = (context.retired_code[county] >= 0) & born_before
    code = np.where(old, context.retired_code[county], code)
    moved = (m.age >= 60) & ~elsewhere & (rng.random(n) < cal.ELDERLY_MOVED_ID_SHARE)
    code[moved] = context.moved_codes[rng.integers(0, len(context.moved_codes), int(moved.sum()))]
    return hukou, code


def _names(block: Block) -> pa.Array:
    rng, m = block.rng, block.members
    n = block.n_persons
    relations = {r: i for i, r in enumerate(schema.RELATIONS)}
    head_surname = draw_surnames(rng, block.n_households)[m.household]
    own = draw_surnames(rng, n)
    head_male = m.male[m.first][m.household]
    inherit = np.isin(
        m.relation, [relations["child"], relations["grandchild"], relations["sibling"]]
    )
    inherit |= (m.relation == relations["parent"]) & m.male & head_male
    surname = np.where(inherit & (rng.random(n) < 0.9), head_surname, own)
    surname[m.first] = head_surname[m.first]
    return full_names(surname, given_names(rng, m.male, years(block.birth_day)))


def generate_tables(options: Options) -> dict[str, pa.Table]:
    """The whole population in memory (for small populations: tests, examples)."""
    parts: dict[str, list[pa.Table]] = {name: [] for name in SCHEMAS}
    for tables in iter_blocks(options):
        for name, table in tables.items():
            parts[name].append(table)
    return {name: pa.concat_tables(parts[name]) for name in SCHEMAS}


def generate(
    *,
    out: Path,
    options: Options,
    chunk_persons: int = DEFAULT_CHUNK_PERSONS,
    progress: bool = False,
) -> GenerationResult:
    """Write the population to ``out`` (one Parquet file per table, a row group per chunk)."""
    started = time.perf_counter()
    if chunk_persons < 1:
        raise ValueError("chunk_persons must be at least 1")
    out.mkdir(parents=True, exist_ok=True)
    rows = dict.fromkeys(SCHEMAS, 0)
    situation_counts = dict.fromkeys(situations.CODES, 0)
    writers = {
        name: pq.ParquetWriter(out / f"{name}.parquet", table_schema, compression="zstd")
        for name, table_schema in SCHEMAS.items()
    }
    pending: list[dict[str, pa.Table]] = []
    pending_persons = 0
    bar = tqdm(total=options.persons, unit="人", desc="生成人口", disable=not progress)

    def flush() -> None:
        nonlocal pending, pending_persons
        if not pending:
            return
        for name, writer in writers.items():
            table = pa.concat_tables([p[name] for p in pending])
            writer.write_table(table, row_group_size=max(table.num_rows, 1))
            rows[name] += table.num_rows
        for part in pending:
            codes = part["planted_situations"].column("situation").value_counts()
            for entry in codes.to_pylist():
                situation_counts[entry["values"]] += entry["counts"]
        bar.update(pending_persons)
        pending, pending_persons = [], 0

    try:
        for tables in iter_blocks(options):
            pending.append(tables)
            pending_persons += tables["persons"].num_rows
            if pending_persons >= chunk_persons:
                flush()
        flush()
    finally:
        for writer in writers.values():
            writer.close()
        bar.close()
    manifest = {
        "generator": "minzheng.demo.population",
        "version": GENERATOR_VERSION,
        "key": options.key,
        "seed": options.seed,
        "persons_requested": options.persons,
        "persons": rows["persons"],
        "households": rows["households"],
        "counties": list(options.counties),
        "as_of": options.as_of.isoformat(),
        "block_households": BLOCK_HOUSEHOLDS,
        "rows": rows,
        "situations": situation_counts,
        "feeds": FEEDS,
        "dibao_standard": {"urban": cal.DIBAO_STANDARD_URBAN, "rural": cal.DIBAO_STANDARD_RURAL},
    }
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    return GenerationResult(
        out=out,
        persons=rows["persons"],
        households=rows["households"],
        rows=rows,
        situations=situation_counts,
        seconds=time.perf_counter() - started,
        peak_rss_mb=peak_rss_mb(),
    )


def read_manifest(directory: Path) -> dict[str, object]:
    """The manifest a population directory was written with."""
    return dict(json.loads((directory / MANIFEST).read_text()))


def parse_counties(text: str | Sequence[str] | None) -> tuple[str, ...]:
    """County codes from "500101,500229" (or a list); all counties when empty."""
    if not text:
        return ALL_COUNTIES
    items = text.split(",") if isinstance(text, str) else list(text)
    codes = tuple(dict.fromkeys(c.strip() for c in items if c.strip()))
    return codes or ALL_COUNTIES
