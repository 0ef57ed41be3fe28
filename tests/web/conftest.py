"""The English catalogue, compiled when the .po is newer than the .mo (``make`` does it too)."""

from __future__ import annotations

import fcntl
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils.translation import trans_real

LOCALE_DIR = Path(__file__).resolve().parents[2] / "src" / "minzheng" / "locale"


@pytest.fixture(scope="session")
def english_catalogue() -> Iterator[None]:
    """Compile the English messages if stale; the lock keeps two xdist workers from racing."""
    po = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    with open(Path(tempfile.gettempdir()) / "minzheng-compilemessages.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            call_command(
                "compilemessages",
                locale=["en"],
                ignore_patterns=[".venv", "node_modules", ".git", "var"],
                verbosity=0,
            )
            # forget any catalogue loaded before it existed; django-stubs omit these private globals
            trans_real._translations = {}  # type: ignore[attr-defined]
            trans_real._default = None  # type: ignore[attr-defined]
    yield
