"""Same seed and arguments → the same tables, whatever the chunk size; another seed → others."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from minzheng.demo.population import Options, generate, generate_tables
from minzheng.demo.population.generator import SCHEMAS
from tests.demo.population.conftest import AS_OF, COUNTIES

OPTIONS = Options(persons=6_000, seed=11, as_of=AS_OF, counties=COUNTIES)


def test_the_same_seed_gives_identical_tables() -> None:
    first = generate_tables(OPTIONS)
    second = generate_tables(OPTIONS)

    assert sorted(first) == sorted(SCHEMAS)
    for name in SCHEMAS:
        assert first[name].equals(second[name]), name


def test_another_seed_gives_other_people() -> None:
    other = Options(persons=6_000, seed=12, as_of=AS_OF, counties=COUNTIES)

    first = generate_tables(OPTIONS)["persons"].column("id_number").to_pylist()
    second = generate_tables(other)["persons"].column("id_number").to_pylist()

    assert len(set(first) & set(second)) < 600


def test_files_are_byte_identical_and_independent_of_the_chunk_size(tmp_path: Path) -> None:
    options = Options(persons=25_000, seed=5, as_of=AS_OF, counties=COUNTIES)
    generate(out=tmp_path / "a", options=options, chunk_persons=25_000)
    generate(out=tmp_path / "b", options=options, chunk_persons=25_000)
    generate(out=tmp_path / "c", options=options, chunk_persons=3_000)

    for name in SCHEMAS:
        a, b, c = (tmp_path / d / f"{name}.parquet" for d in "abc")
        assert a.read_bytes() == b.read_bytes(), name
        assert pq.read_table(a).equals(pq.read_table(c)), name
    assert pq.ParquetFile(tmp_path / "c" / "persons.parquet").num_row_groups == 2
    manifest_a = (tmp_path / "a" / "manifest.json").read_text()
    assert manifest_a == (tmp_path / "c" / "manifest.json").read_text()


def test_the_persons_asked_for_in_whole_households() -> None:
    for persons in (1, 7, 8_191, 21_500, 21_501):
        tables = generate_tables(Options(persons=persons, seed=3, as_of=AS_OF, counties=COUNTIES))
        assert persons <= tables["persons"].num_rows < persons + 6
        assert tables["memberships"].num_rows == tables["persons"].num_rows


def test_a_smaller_population_is_the_start_of_a_larger_one() -> None:
    small = generate_tables(Options(persons=9_000, seed=3, as_of=AS_OF, counties=COUNTIES))
    large = generate_tables(Options(persons=30_000, seed=3, as_of=AS_OF, counties=COUNTIES))

    for name, table in small.items():
        assert large[name].slice(0, table.num_rows).equals(table), name
