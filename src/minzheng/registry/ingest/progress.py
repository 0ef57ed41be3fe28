"""Live progress of a running import, in a small JSON file under ``var/progress/``.

Why a file and not the ``ImportBatch`` row: a batch lands in one database transaction (so that
a crash leaves nothing half done), and while it runs that transaction holds SQLite's single
write lock; nothing else can commit new counters to the database until it ends. A file,
replaced atomically after every chunk, can be read by the web page meanwhile on any database.
The file also names the process and host doing the work, so that a batch whose process died
can be recognised and marked failed (``services.fail_stale_batches``). It is removed when the
batch ends; the final counters are on the batch row.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path
from typing import Any

from django.conf import settings

# A running import rewrites its file at least this often (every chunk, every few seconds).
STALE_AFTER_SECONDS = 600


def progress_dir() -> Path:
    return Path(settings.VAR_DIR) / "progress"


def progress_path(batch_id: int) -> Path:
    return progress_dir() / f"batch-{batch_id}.json"


def write(batch_id: int, counters: dict[str, Any]) -> None:
    """Replace the batch's progress file with ``counters`` plus who is working and when."""
    path = progress_path(batch_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        **counters,
        "batch": batch_id,
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "updated": time.time(),
    }
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(data), encoding="utf-8")
    os.replace(temporary, path)


def read(batch_id: int) -> dict[str, Any] | None:
    """The last progress written for the batch, or None when there is none."""
    try:
        return dict(json.loads(progress_path(batch_id).read_text(encoding="utf-8")))
    except (FileNotFoundError, ValueError):
        return None


def remove(batch_id: int) -> None:
    progress_path(batch_id).unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_stale(data: dict[str, Any] | None, *, now: float | None = None) -> bool:
    """Whether the process behind a progress record is gone (or silent far too long)."""
    if data is None:
        return False
    now = time.time() if now is None else now
    if now - float(data.get("updated", now)) > STALE_AFTER_SECONDS:
        return True
    same_host = data.get("host") == socket.gethostname()
    return same_host and not _alive(int(data.get("pid", 0)))
