"""Running the platform's own commands as separate processes, each on its own data directory.

Used by the operations tests and the browser tests: the platform is exercised the way an
operator runs it (``minzheng …`` with ``MINZHENG_VAR_DIR``), on the embedded SQLite database
whatever ``DATABASE_URL`` the test run itself uses.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def platform_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment for a platform process on ``var_dir``: embedded database, no demo switch."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("MINZHENG_") and k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env["MINZHENG_VAR_DIR"] = str(var_dir)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def minzheng(
    var_dir: Path, *args: str, check: bool = True, timeout: float = 300, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run ``minzheng ARGS`` on ``var_dir`` and wait; raise with its output when it fails."""
    result = subprocess.run(
        [sys.executable, "-m", "minzheng.cli", *args],
        cwd=REPO,
        env=platform_env(var_dir, **env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"minzheng {' '.join(args)} exited {result.returncode}\n"
            f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
        )
    return result


def start(var_dir: Path, *args: str, log: Path, **env: str) -> subprocess.Popen[bytes]:
    """Start ``minzheng ARGS`` on ``var_dir`` in the background, output to ``log``."""
    with log.open("ab") as handle:
        return subprocess.Popen(
            [sys.executable, "-m", "minzheng.cli", *args],
            cwd=REPO,
            env=platform_env(var_dir, **env),
            stdout=handle,
            stderr=subprocess.STDOUT,
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(condition: Callable[[], Any], *, timeout: float, what: str) -> Any:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def get_json(url: str) -> dict[str, Any] | None:
    """GET ``url`` as JSON; None while nothing answers there yet."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return dict(json.load(response))
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def stop(process: subprocess.Popen[bytes], *, timeout: float = 30) -> int:
    """SIGTERM ``process`` and wait for it; returns its exit code."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise


@contextmanager
def served(var_dir: Path, *, log: Path, workers: int = 2, **env: str) -> Iterator[str]:
    """``minzheng serve`` on a free port until the block ends; yields the base URL.

    Waits until /health reports the database and the background worker as ok.
    """
    port = free_port()
    process = start(
        var_dir, "serve", "--port", str(port), "--workers", str(workers), log=log, **env
    )
    base_url = f"http://127.0.0.1:{port}"
    try:

        def healthy() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"serve exited {process.returncode}:\n{log.read_text()}")
            report = get_json(f"{base_url}/health")
            return bool(report and report["database"]["ok"] and report["worker"]["ok"])

        wait_for(healthy, timeout=60, what=f"{base_url}/health")
        yield base_url
    finally:
        code = stop(process)
        if code != 0:
            raise AssertionError(f"serve exited {code} on SIGTERM:\n{log.read_text()}")
