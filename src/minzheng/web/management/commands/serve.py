"""``minzheng serve``: the platform as it runs for real — gunicorn plus the background worker.

Starts ``minzheng worker`` and gunicorn (``minzheng.wsgi``, static files through whitenoise) as
child processes, and stops both cleanly on Ctrl-C or SIGTERM. If either child dies, the other is
stopped too and the command exits non-zero, so a supervisor notices.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

STOP_TIMEOUT_SECONDS = 15.0


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to SIGTERM it when ``serve`` itself dies."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except OSError:
        pass  # not Linux: children are still stopped on every orderly exit


class Command(BaseCommand):
    help = "启动平台：gunicorn 网页服务与后台任务工作进程；Ctrl-C 同时停止两者。"
    requires_system_checks = []  # the children run the checks; this process only supervises

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to bind (%(default)s).")
        parser.add_argument("--port", type=int, default=8000, help="Port (%(default)s).")
        parser.add_argument(
            "--workers", type=int, default=2, help="gunicorn worker processes (%(default)s)."
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not start the background worker (run `minzheng worker` elsewhere).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not os.path.isdir(settings.STATIC_ROOT):
            # A data directory just restored or created by hand: collect once (`make run` keeps
            # them fresh otherwise).
            self.stdout.write(f"收集静态文件到 {settings.STATIC_ROOT} …")
            call_command("collectstatic", interactive=False, verbosity=0)
        bind = f"{options['host']}:{options['port']}"
        commands: dict[str, list[str]] = {
            "web": [
                sys.executable,
                "-m",
                "gunicorn",
                "minzheng.wsgi:application",
                "--bind",
                bind,
                "--workers",
                str(options["workers"]),
                "--timeout",
                "120",
                "--graceful-timeout",
                "10",
                "--error-logfile",
                "-",
                # No control socket: it sits at one fixed path per user, so two servers would clash.
                "--no-control-socket",
                # Import the platform once in the master; workers fork from it ready to answer.
                "--preload",
                "--config",
                "python:minzheng.web.gunicorn_conf",
            ]
        }
        if not options["no_worker"]:
            commands["worker"] = [
                sys.executable,
                "-m",
                "minzheng.cli",
                "worker",
                "--interval",
                "2",
                "--no-startup-delay",
            ]

        children: dict[str, subprocess.Popen[bytes]] = {}
        stopping = False

        def request_stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        failed = ""
        try:
            for name, command in commands.items():
                # A session of its own: Ctrl-C reaches only this process, which then stops each
                # child once, in order (a second SIGINT would make the worker abandon a task).
                children[name] = subprocess.Popen(
                    command, start_new_session=True, preexec_fn=_die_with_parent
                )
            self.stdout.write(
                self.style.SUCCESS(f"民政协同增效平台 http://{bind}/")
                + f"  (gunicorn ×{options['workers']}"
                + (", 后台任务工作进程" if "worker" in children else "")
                + ")  Ctrl-C 停止"
            )
            while not stopping:
                for name, child in children.items():
                    if child.poll() is not None:
                        failed = f"{name} 进程意外退出（退出码 {child.returncode}）"
                        stopping = True
                        break
                else:
                    time.sleep(0.5)
        finally:
            self._stop(children)
        if failed:
            raise CommandError(failed)
        self.stdout.write("已停止。")

    def _stop(self, children: dict[str, subprocess.Popen[bytes]]) -> None:
        """SIGTERM every child still running, wait, and SIGKILL whatever does not stop in time."""
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
