"""``minzheng seed_accounts``: the roles and the civil-affairs org units (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from minzheng.accounts import services


class Command(BaseCommand):
    help = "创建预置角色和全市民政机构（可重复执行，只补缺）。"

    def handle(self, *args: Any, **options: Any) -> None:
        roles = services.seed_roles()
        units = services.seed_org_units()
        self.stdout.write(f"roles: {roles.created} created, {roles.total} in all")
        self.stdout.write(f"org units: {units.created} created, {units.total} in all")
