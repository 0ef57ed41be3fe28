"""``minzheng totp_code USERNAME``: the code the user's authenticator shows now (demos, tests)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.plugins.otp_totp.models import TOTPDevice

from minzheng.accounts import services
from minzheng.accounts.models import User


class Command(BaseCommand):
    help = "显示某账号手机验证器当前的 6 位验证码（用于演示和测试）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist as exc:
            raise CommandError(f"no user {options['username']!r}") from exc
        try:
            self.stdout.write(services.totp_current_code(user=user))
        except TOTPDevice.DoesNotExist as exc:
            raise CommandError(f"{user.username} has no authenticator yet") from exc
