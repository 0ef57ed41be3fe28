"""``minzheng serve``: gunicorn and the worker together, stopped cleanly by one signal."""

from __future__ import annotations

import sqlite3
import urllib.request
from pathlib import Path

from tests.ops.processes import get_json, served


def test_serve_answers_health_with_a_live_worker_and_stops_both_on_sigterm(
    var_dir: Path, tmp_path: Path
) -> None:
    log = tmp_path / "serve.log"
    with served(var_dir, log=log) as base_url:
        report = get_json(f"{base_url}/health")
        assert report is not None
        assert report["database"] == {"ok": True, "vendor": "sqlite"}
        assert report["worker"]["ok"] is True
        # Counts only: the worker's periodic jobs may queue work of their own (a nightly run).
        assert {k: type(v) for k, v in report["tasks"].items()} == {
            "ready": int,
            "running": int,
            "failed": int,
        }
        with urllib.request.urlopen(f"{base_url}/accounts/login/", timeout=10) as response:
            assert response.status == 200
            assert "民政协同增效平台" in response.read().decode()
    # `served` asserted that serve exited 0; now nothing answers and the worker said goodbye.
    assert get_json(f"{base_url}/health") is None
    with sqlite3.connect(var_dir / "minzheng.sqlite3") as db:
        rows = db.execute("SELECT stopped_at IS NOT NULL FROM web_workerheartbeat").fetchall()
    assert rows == [(1,)]
    assert "已停止" in log.read_text()
