"""Data directories for the operations tests: migrated once, copied for each test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.ops.processes import minzheng


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with every migration applied and nothing else."""
    var_dir = tmp_path_factory.mktemp("migrated")
    minzheng(var_dir, "migrate", "--no-input", "-v", "0")
    return var_dir


@pytest.fixture
def var_dir(migrated_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the migrated data directory for one test."""
    target = tmp_path / "var"
    shutil.copytree(migrated_template, target)
    (target / "static").mkdir(exist_ok=True)
    return target
