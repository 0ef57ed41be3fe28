"""The rules engine: a pure library, importable without Django.

``schema`` defines the population tables every source produces (the registry's snapshot, Parquet
files, the synthetic generator); ``parameters`` the dated policy values and their snapshot as of a
date; ``programmes`` one module per programme; ``evaluate()`` turns a population into
determinations and ``explain()`` tells, for one household and programme, why.

Names are imported lazily so that ``minzheng.engine.schema`` (read by the registry's models) does
not pull in Ibis.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "evaluate": "minzheng.engine.evaluation",
    "Evaluation": "minzheng.engine.evaluation",
    "explain": "minzheng.engine.explanation",
    "Explanation": "minzheng.engine.explanation",
    "ParameterSnapshot": "minzheng.engine.parameters",
    "load_seed": "minzheng.engine.parameters",
    "seed_snapshot": "minzheng.engine.parameters",
    "snapshot": "minzheng.engine.parameters",
    "ArrowSource": "minzheng.engine.population",
    "ParquetSource": "minzheng.engine.population",
    "Population": "minzheng.engine.population",
    "PopulationSource": "minzheng.engine.population",
    "load_population": "minzheng.engine.population",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(name)
