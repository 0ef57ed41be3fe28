"""A generated population screened in many chunks gives exactly the rows of one chunk, and both
equal ``to_pyarrow()`` (one statement, sorted) and ``to_parquet()`` (one file): the chunking,
the one-statement plan and the typed Parquet output change no determination."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from minzheng.engine import evaluate, schema
from minzheng.engine.plan import ORDER
from minzheng.engine.population import load_population
from minzheng.engine.programmes import CATALOGUE
from tests.engine.populations import generated_population

DAY = dt.date(2025, 8, 1)


def _sorted(table: pa.Table) -> pa.Table:
    return table.sort_by([(c, "ascending") for c in ORDER])


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generated_population(tmp_path_factory, "chunks", persons=6_000, seed=3)


def test_many_chunks_equal_one_chunk(population: Path, tmp_path: Path) -> None:
    ev = evaluate(load_population(population), as_of=DAY)
    many = ev.write_parts(tmp_path / "many", chunk_persons=700)
    one = ev.write_parts(tmp_path / "one", chunk_persons=10_000_000)
    assert len(many) >= 8 and len(one) == 1
    chunked = pa.concat_tables([pq.read_table(p) for p in many])
    whole = pq.read_table(one[0])
    # The parts are typed as the schema says (no widening in the union of programmes); what is
    # the same on every row of a programme is not in the files.
    assert chunked.schema.equals(schema.DETERMINATION_FILES)
    assert whole.schema.equals(schema.DETERMINATION_FILES)
    assert _sorted(chunked).equals(_sorted(whole))
    # Every programme is there, and many subjects are decided each way.
    programmes = set(whole["programme"].to_pylist())
    assert {"dibao", "tekun", "near_dibao", "temporary_aid"} <= programmes
    statuses = whole.group_by("status").aggregate([("status", "count")]).to_pylist()
    assert {s["status"] for s in statuses} == {"eligible", "ineligible", "unknown"}
    assert any(whole["reason_codes"].to_pylist())  # reasons are written, not only empty lists

    in_memory = evaluate(load_population(population), as_of=DAY).to_pyarrow()
    assert in_memory.schema.equals(schema.DETERMINATIONS)
    assert in_memory.drop_columns(list(schema.PER_PROGRAMME)).equals(_sorted(whole))

    evaluate(load_population(population), as_of=DAY).to_parquet(tmp_path / "single.parquet")
    single = pq.read_table(tmp_path / "single.parquet")
    assert _sorted(single).equals(_sorted(whole))


def test_chunks_side_by_side_equal_one_chunk(
    population: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunks evaluated side by side (one per DuckDB thread, each on a cursor of its own) give
    the rows of one chunk."""
    import minzheng.engine.evaluation as evaluation

    ev = evaluate(load_population(population), as_of=DAY)
    raw = ev.population.con.con
    ev.population.con.raw_sql("SET threads = 2")
    one = pq.read_table(ev.write_parts(tmp_path / "one", chunk_persons=10_000_000)[0])
    monkeypatch.setattr(evaluation, "SIDE_BY_SIDE_PERSONS", 0)
    workers: list[int] = []
    side_by_side = evaluation._write_side_by_side

    def recording(runs: list[Any], *args: Any) -> None:
        workers.append(len(runs))
        side_by_side(runs, *args)

    monkeypatch.setattr(evaluation, "_write_side_by_side", recording)
    done: list[tuple[int, int]] = []
    parts = ev.write_parts(
        tmp_path / "side", chunk_persons=1_000, progress=lambda d, c, _: done.append((d, c))
    )
    assert workers == [2]
    assert len(parts) >= 6 and len(parts) % 2 == 0
    assert sorted(done) == [(i, len(parts)) for i in range(1, len(parts) + 1)]
    side = pa.concat_tables([pq.read_table(p) for p in parts])
    assert _sorted(side).equals(_sorted(one))
    # The connection is as it was: two threads again.
    assert raw.execute("SELECT current_setting('threads')").fetchone() == (2,)


def test_screen_writes_parts_summary_and_programmes(population: Path, tmp_path: Path) -> None:
    """``screen`` (what ``minzheng screen`` runs): the parts hold every determination, the
    summary counts them, and ``programmes.parquet`` holds, once per programme, the unverified
    parameters that ``to_pyarrow()`` repeats on each of its rows."""
    from minzheng.engine.screening import screen

    result = screen(population, DAY, tmp_path / "out", chunk_persons=2_000)
    parts = pa.concat_tables(
        [pq.read_table(p) for p in sorted(result.determinations_path.glob("*.parquet"))]
    )
    in_memory = evaluate(load_population(population), as_of=DAY).to_pyarrow()
    assert _sorted(parts).equals(in_memory.drop_columns(list(schema.PER_PROGRAMME)))
    assert result.rows == parts.num_rows == sum(result.summary["subjects"].to_pylist())
    programmes = {
        p["programme"]: p["unverified_parameters"]
        for p in pq.read_table(result.programmes_path).to_pylist()
    }
    assert list(programmes) == [p.name for p in CATALOGUE]
    for row in in_memory.select(["programme", "unverified_parameters"]).to_pylist():
        assert row["unverified_parameters"] == programmes[row["programme"]]
    # The seed has parameters still to be verified: the lists are not all empty.
    assert any(programmes.values())
