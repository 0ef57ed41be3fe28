"""``minzheng load_divisions``: load (or top up) the Chongqing division tree."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from minzheng.divisions import services


class Command(BaseCommand):
    help = "Load the Chongqing division tree (city, counties, townships, villages); idempotent."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        result = services.load_divisions(progress=not options["no_progress"])
        self.stdout.write(
            f"divisions: {result.created} created, {result.updated} updated, "
            f"{result.total} in the reference data, {result.versions_created} history rows started"
        )
