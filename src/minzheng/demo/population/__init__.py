"""The synthetic Chongqing population: generated, written to Parquet, loaded into the registry.

    from minzheng.demo.population import Options, generate, generate_tables
    tables = generate_tables(Options(persons=20_000, seed=7, as_of=date(2025, 9, 30)))
    generate(out=Path("var/population"), options=Options(...), progress=True)
    load_demo_population(persons=100_000, seed=1, progress=True)   # into the registry

Generation needs no Django (the engine's tests use it); loading into the registry does.
See docs/population.md for the calibration figures, their sources and the planted situations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from minzheng.demo.population.generator import (
    ALL_COUNTIES,
    DEFAULT_CHUNK_PERSONS,
    GenerationResult,
    Options,
    generate,
    generate_tables,
    iter_blocks,
    parse_counties,
    read_manifest,
)

if TYPE_CHECKING:
    from minzheng.demo.population.loading import DemoPopulationResult


def load_demo_population(
    *, persons: int | None = None, seed: int | None = None, progress: bool = False
) -> DemoPopulationResult:
    """Generate the demo population and load it into the registry (see ``loading``)."""
    # Imported here so that generating (this package) needs no Django; loading does.
    from minzheng.demo.population import loading

    return loading.load_demo_population(
        persons=persons, seed=loading.DEMO_SEED if seed is None else seed, progress=progress
    )


__all__ = [
    "ALL_COUNTIES",
    "DEFAULT_CHUNK_PERSONS",
    "GenerationResult",
    "Options",
    "generate",
    "generate_tables",
    "iter_blocks",
    "load_demo_population",
    "parse_counties",
    "read_manifest",
]
