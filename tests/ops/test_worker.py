"""``minzheng worker``: runs background tasks and keeps a heartbeat while alive."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.ops.processes import minzheng, start, stop, wait_for


def _heartbeat(var_dir: Path, worker_id: str) -> tuple[str, str, str | None] | None:
    with sqlite3.connect(var_dir / "minzheng.sqlite3") as db:
        return db.execute(
            "SELECT started_at, last_seen, stopped_at FROM web_workerheartbeat WHERE worker_id = ?",
            (worker_id,),
        ).fetchone()


def _task(var_dir: Path) -> tuple[str, str | None]:
    with sqlite3.connect(var_dir / "minzheng.sqlite3") as db:
        return db.execute(
            "SELECT status, return_value FROM django_tasks_database_dbtaskresult"
            " WHERE task_path = 'tests.web.tasks_for_tests.add'"
        ).fetchone()


def test_worker_runs_a_task_beats_while_alive_and_records_its_stop(
    var_dir: Path, tmp_path: Path
) -> None:
    minzheng(var_dir, "shell", "-c", "from tests.web.tasks_for_tests import add; add.enqueue(2, 3)")
    assert _task(var_dir) == ("READY", None)

    worker = start(
        var_dir,
        "worker",
        "--worker-id",
        "ops-test-worker",
        "--heartbeat",
        "0.3",
        "--interval",
        "0.2",
        "--no-startup-delay",
        log=tmp_path / "worker.log",
    )
    try:
        wait_for(lambda: _task(var_dir)[0] == "SUCCESSFUL", timeout=30, what="the task to run")
        assert _task(var_dir) == ("SUCCESSFUL", "5")
        # The heartbeat thread moves last_seen past the start while the worker idles.
        wait_for(
            lambda: (beat := _heartbeat(var_dir, "ops-test-worker")) and beat[1] > beat[0],
            timeout=30,
            what="a heartbeat after the first",
        )
        assert _heartbeat(var_dir, "ops-test-worker")[2] is None  # type: ignore[index]
    finally:
        code = stop(worker)
    assert code == 0, (tmp_path / "worker.log").read_text()
    _started, last_seen, stopped = _heartbeat(var_dir, "ops-test-worker")  # type: ignore[misc]
    assert stopped is not None
    assert stopped == last_seen
