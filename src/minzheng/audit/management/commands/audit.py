"""``minzheng audit verify``: walk the hash chain and name the first broken event."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from minzheng.audit import services


class Command(BaseCommand):
    help = "审计日志工具。verify：逐条校验哈希链，报告首个异常事件。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser(
            "verify", help="walk the whole chain; exit non-zero at the first broken event"
        )
        verify.add_argument(
            "--no-progress", action="store_true", help="do not draw the progress bar"
        )
        verify.add_argument(
            "--chunk-size", type=int, default=2000, help="rows fetched per database round trip"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "verify":
            self._verify(progress=not options["no_progress"], chunk_size=options["chunk_size"])

    def _verify(self, *, progress: bool, chunk_size: int) -> None:
        result = services.verify_chain(progress=progress, chunk_size=chunk_size)
        if result.ok:
            self.stdout.write(self.style.SUCCESS(f"OK: {result.checked} events verified"))
            return
        at = timezone.localtime(result.broken_at).isoformat() if result.broken_at else "-"
        raise CommandError(
            f"BROKEN at event id={result.broken_event_id} time={at} "
            f"action={result.broken_action}: {result.problem} "
            f"({result.checked} events before it verified)"
        )
