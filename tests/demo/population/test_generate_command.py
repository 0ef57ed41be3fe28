"""``minzheng generate``: Parquet out, the arguments checked, and loading with --into-db."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command

from minzheng.registry.models import Household, Person


def _generate(*args: str) -> str:
    out = StringIO()
    call_command("generate", *args, "--no-progress", stdout=out)
    return out.getvalue()


def test_writes_the_tables_and_a_manifest(tmp_path: Path) -> None:
    text = _generate(
        "--persons", "3000", "--counties", "500101,500229", "--seed", "4",
        "--as-of", "2025-09-30", "--out", str(tmp_path), "--chunk-persons", "1000",
    )  # fmt: skip

    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["persons_requested"] == 3000
    assert 3000 <= manifest["persons"] < 3006
    assert manifest["counties"] == ["500101", "500229"]
    assert manifest["as_of"] == "2025-09-30"
    assert pq.read_metadata(tmp_path / "persons.parquet").num_rows == manifest["persons"]
    assert pq.ParquetFile(tmp_path / "persons.parquet").num_row_groups == 1  # one block
    assert f"generated {manifest['persons']:,} persons" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--persons", "10", "--counties", "500199", "--out", "x"], "unknown county"),
        (["--persons", "0", "--out", "x"], "persons"),
        (["--persons", "10"], "--out"),
        (["--persons", "10", "--as-of", "2025-13-01", "--out", "x"], "YYYY-MM-DD"),
        (["--persons", "10", "--as-of", "2999-01-01", "--out", "x"], "future"),
    ],
)
def test_refuses_bad_arguments(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        _generate(*args)


@pytest.mark.django_db
def test_into_db_loads_the_population(divisions: object) -> None:
    text = _generate(
        "--persons", "1500", "--counties", "500229", "--seed", "9",
        "--as-of", "2025-09-30", "--into-db",
    )  # fmt: skip

    assert 1500 <= Person.objects.count() < 1506
    assert Household.objects.filter(division__code__startswith="500229").count() > 400
    assert "loaded into the registry" in text
