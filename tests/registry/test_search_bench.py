"""The search bench's registry is one the registry reads: its raw inserts store what the models
do."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from minzheng.registry import pii, selectors
from minzheng.registry.models import Membership, Person
from tests.scope import make_scoped_user

pytestmark = pytest.mark.django_db

BENCH = Path(__file__).resolve().parents[2] / "bench" / "registry_search.py"


def _bench(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> ModuleType:
    # The bench sets a data directory for itself unless one is set: keep that out of the
    # environment later tests (and their subprocesses) see.
    monkeypatch.setenv("MINZHENG_VAR_DIR", str(tmp_path))
    spec = importlib.util.spec_from_file_location("registry_search_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_bench_builds_persons_found_by_their_id_number(
    divisions: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _bench(monkeypatch, tmp_path).build(40, seed=3)

    person = Person.objects.order_by("pk").last()
    assert person is not None
    number = pii.decrypt(person.id_number_encrypted)
    assert person.id_number_hash == pii.lookup_hash(number)
    home = Membership.objects.get(person=person)
    city = make_scoped_user(("household.view",), division="500000", username="bench-city")
    found = list(selectors.household_search(user=city, q=number))
    assert [household.pk for household in found] == [home.household_id]
