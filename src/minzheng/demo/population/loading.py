"""The demo's population in the registry: generated for today and loaded once."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings

from minzheng.demo.population.generator import Options, generate
from minzheng.registry import bulk

# The demo accounts work in 万州区 (高笋塘街道 500101001) and 城口县; with 渝中区 (all urban) and
# 彭水 (mountainous, mostly rural) the demo shows city, town and countryside.
DEMO_COUNTIES = ("500101", "500103", "500229", "500243")
DEMO_SEED = 20250729


@dataclass(frozen=True)
class DemoPopulationResult:
    """What ``load_demo_population`` did; ``skipped`` when a population was there already."""

    skipped: bool
    persons: int = 0
    households: int = 0
    generate_seconds: float = 0.0
    load_seconds: float = 0.0


def load_demo_population(
    *, persons: int | None = None, seed: int = DEMO_SEED, progress: bool = False
) -> DemoPopulationResult:
    """Generate the demo population as of today and load it into the registry, once.

    ``persons`` defaults to ``settings.MINZHENG_DEMO_PERSONS``. Skips (and says so) when any
    synthetic population is in the registry already, so ``make run`` stays quick; recent
    situations are recent relative to the day of the first load.
    """
    if bulk.population_loaded():
        return DemoPopulationResult(skipped=True)
    count = persons if persons is not None else int(settings.MINZHENG_DEMO_PERSONS)
    options = Options(persons=count, seed=seed, as_of=date.today(), counties=DEMO_COUNTIES)
    with tempfile.TemporaryDirectory(dir=settings.VAR_DIR, prefix="population-") as tmp:
        generated = generate(out=Path(tmp), options=options, progress=progress)
        loaded = bulk.load_population(directory=Path(tmp), progress=progress)
    return DemoPopulationResult(
        skipped=False,
        persons=loaded.created.get("persons", 0),
        households=loaded.created.get("households", 0),
        generate_seconds=generated.seconds,
        load_seconds=loaded.seconds,
    )
