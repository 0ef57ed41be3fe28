"""Ingest fixtures: a private var/ and media/ per test, the declared feeds, file writers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from minzheng.registry.ingest import seed_feeds


@pytest.fixture(autouse=True)
def var_dir(settings: Any, tmp_path: Path) -> Path:
    """Progress files, uploads and error files of the test go under its own directory."""
    settings.VAR_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


@pytest.fixture
def feeds(db: None) -> None:
    seed_feeds()
