"""A generated population screened in many chunks gives exactly the rows of one chunk, and both
equal ``to_pyarrow()`` (one statement, sorted) and ``to_parquet()`` (one file): the chunking,
the one-statement plan and the typed Parquet output change no determination."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from minzheng.demo.population import Options, generate
from minzheng.engine import evaluate, schema
from minzheng.engine.plan import ORDER
from minzheng.engine.population import load_population

DAY = dt.date(2025, 8, 1)


def _sorted(table: pa.Table) -> pa.Table:
    return table.sort_by([(c, "ascending") for c in ORDER])


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("chunks") / "population"
    generate(out=out, options=Options(persons=6_000, seed=3, as_of=DAY))
    return out


def test_many_chunks_equal_one_chunk(population: Path, tmp_path: Path) -> None:
    ev = evaluate(load_population(population), as_of=DAY)
    many = ev.write_parts(tmp_path / "many", chunk_persons=700)
    one = ev.write_parts(tmp_path / "one", chunk_persons=10_000_000)
    assert len(many) >= 8 and len(one) == 1
    chunked = pa.concat_tables([pq.read_table(p) for p in many])
    whole = pq.read_table(one[0])
    # The parts are typed as the schema says (no widening in the union of programmes).
    assert chunked.schema.equals(schema.DETERMINATIONS)
    assert whole.schema.equals(schema.DETERMINATIONS)
    assert _sorted(chunked).equals(_sorted(whole))
    # Every programme is there, and many subjects are decided each way.
    programmes = set(whole["programme"].to_pylist())
    assert {"dibao", "tekun", "near_dibao", "temporary_aid"} <= programmes
    statuses = whole.group_by("status").aggregate([("status", "count")]).to_pylist()
    assert {s["status"] for s in statuses} == {"eligible", "ineligible", "unknown"}

    in_memory = evaluate(load_population(population), as_of=DAY).to_pyarrow()
    assert in_memory.schema.equals(schema.DETERMINATIONS)
    assert in_memory.equals(_sorted(whole))

    evaluate(load_population(population), as_of=DAY).to_parquet(tmp_path / "single.parquet")
    single = pq.read_table(tmp_path / "single.parquet")
    assert _sorted(single).equals(_sorted(whole))
