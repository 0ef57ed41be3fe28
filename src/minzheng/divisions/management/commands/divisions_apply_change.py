"""``minzheng divisions_apply_change FILE --new-code CODE --by USERNAME``.

Records the change in FILE (see ``divisions/changes/``) as a draft, prints what it will do, and
applies it. The code of each unit the change creates must be given by the administrator:
``--new-code CODE`` when the change creates one unit, ``--new-code KEY=CODE`` for each when it
creates several. With ``--draft`` the change is only recorded, for review and applying in the UI.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from minzheng.divisions import selectors, services
from minzheng.divisions.models import DivisionChange, DivisionChangeItem


class Command(BaseCommand):
    help = "Record a division change from a JSON file and apply it (new unit codes are entered)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="change file, e.g. divisions/changes/2025-lianjiang.json")
        parser.add_argument(
            "--new-code",
            action="append",
            default=[],
            metavar="[KEY=]CODE",
            help="the official code of a unit the change creates (entered, never invented)",
        )
        parser.add_argument("--by", required=True, metavar="USERNAME", help="who applies it")
        parser.add_argument(
            "--draft", action="store_true", help="only record the draft; do not apply"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        try:
            by = user_model.objects.get(**{user_model.USERNAME_FIELD: options["by"]})
        except user_model.DoesNotExist as exc:
            raise CommandError(f"no user {options['by']!r}") from exc
        try:
            spec = services.read_change_spec(options["file"])
            already = DivisionChange.objects.filter(
                title=spec.get("title", ""),
                effective_on=str(spec.get("effective_on") or "1900-01-01"),
                status=DivisionChange.Status.APPLIED,
            ).first()
            if already is not None:
                raise CommandError(f"already applied on {already.applied_at:%Y-%m-%d}: {already}")
            with transaction.atomic():
                change = services.change_record(spec=spec, by=by)
                new_codes = self._new_codes(options["new_code"], change)
                self._print_preview(change)
                if options["draft"]:
                    self.stdout.write(f"recorded as draft #{change.pk}; not applied")
                    return
                services.change_apply(change=change, by=by, new_codes=new_codes)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"applied: {change}"))

    def _new_codes(self, given: list[str], change: DivisionChange) -> dict[str, str]:
        keys = list(
            change.items.filter(operation=DivisionChangeItem.Operation.CREATE).values_list(
                "key", flat=True
            )
        )
        codes: dict[str, str] = {}
        for value in given:
            key, _sep, code = value.rpartition("=")
            if not key:
                if len(keys) != 1:
                    raise CommandError(f"the change creates {len(keys)} units: use KEY=CODE")
                key = keys[0]
            if key not in keys:
                raise CommandError(f"the change creates no unit with key {key!r}")
            codes[key] = code.strip()
        return codes

    def _print_preview(self, change: DivisionChange) -> None:
        preview = selectors.change_preview(change)
        self.stdout.write(f"{change.title} — effective {change.effective_on}")
        for row in preview.rows:
            line = f"  {row.operation:<8} {row.code or '(code to enter)':<10} {row.name}"
            if row.before or row.after:
                line += f": {row.before or '—'} → {row.after or '—'}"
            if row.descendants:
                line += f" (+{row.descendants} below)"
            self.stdout.write(line)
        self.stdout.write(
            f"county-level units {preview.counties_before} → {preview.counties_after}; "
            f"township-level units {preview.townships_before} → {preview.townships_after}"
        )
