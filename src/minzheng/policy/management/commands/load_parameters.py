"""``minzheng load_parameters``: load the reviewed parameter seed into the database (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from minzheng.policy import services


class Command(BaseCommand):
    help = "Load the reviewed policy parameter seed (YAML) into the database; idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        result = services.load_parameters()
        self.stdout.write(
            f"parameters: {result.parameters_created} created; values: {result.values_created} "
            f"created, {result.values_updated} updated, {result.values_unchanged} unchanged"
        )
