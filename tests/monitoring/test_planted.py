"""A generated population loaded into the registry: the run finds what the generator planted.

The population engineer's generator plants situations in documented proportions and writes
which household got which (``planted_situations.parquet``). Loaded into the registry and
screened, each planted exit, discovery and shock must come back as the alert it calls for.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from django.utils import timezone

from minzheng.demo.population import Options, generate
from minzheng.monitoring import services
from minzheng.monitoring.models import Alert, ScreeningRun
from minzheng.registry import bulk
from minzheng.registry.models import Household

pytestmark = pytest.mark.django_db

PERSONS = 12_000
COUNTIES = ("500101", "500229")  # 万州区 (town and country) and rural 城口县

# Planted situation → (alert kind, a reason code every such household's alert carries).
EXPECTED = {
    "exit_vehicle": ("exit_review", "vehicle"),
    "exit_business": ("exit_review", "business_role"),
    "exit_income_rose": ("exit_review", "income_above_line"),
    "exit_death_sole_member": ("exit_review", "no_counted_members"),
    "enrolled_member_died": ("exit_review", "member_died"),
    "eligible_not_enrolled": ("discovery", "dibao:eligible_not_enrolled"),
    "tekun_not_enrolled": ("discovery", "tekun:eligible_not_enrolled"),
    "shock_unemployment": ("risk", "main_earner_unemployed"),
    "shock_disability": ("risk", "new_severe_disability"),
}


@pytest.fixture
def planted(settings: Any, tmp_path: Path, parameters: None) -> dict[str, list[int]]:
    """The population in the registry; registry household ids by planted situation."""
    settings.VAR_DIR = tmp_path
    options = Options(persons=PERSONS, seed=11, as_of=timezone.localdate(), counties=COUNTIES)
    out = tmp_path / "population"
    generate(out=out, options=options)
    result = bulk.load_population(directory=out)
    numbers = dict(Household.objects.values_list("number", "pk"))
    by_situation: dict[str, list[int]] = defaultdict(list)
    for row in pq.read_table(out / "planted_situations.parquet").to_pylist():
        number = bulk.household_number(result.key, row["household_id"])
        by_situation[row["situation"]].append(numbers[number])
    return dict(by_situation)


def test_screening_finds_the_planted_situations(planted: dict[str, list[int]]) -> None:
    run = services.screening_run(as_of=timezone.localdate(), trigger=ScreeningRun.Trigger.MANUAL)
    assert run.status == ScreeningRun.Status.SUCCEEDED
    codes: dict[tuple[int | None, str], set[str]] = {}
    for alert in Alert.objects.all():
        codes[(alert.household_id, alert.kind)] = {r["code"] for r in alert.reasons}
    missed: dict[str, list[int]] = {}
    for situation, (kind, code) in EXPECTED.items():
        households = planted.get(situation, [])
        assert households, f"{situation} not planted in {PERSONS} persons"
        missing = [h for h in households if code not in codes.get((h, kind), set())]
        if missing:
            missed[situation] = missing
    assert missed == {}
    # Households planted as plainly enrolled and unchanged raise no exit review.
    steady = planted.get("dibao_enrolled", [])
    assert len(steady) >= 10, f"only {len(steady)} steadily enrolled households planted"
    reviewed = [h for h in steady if (h, "exit_review") in codes]
    assert len(reviewed) <= len(steady) // 10
