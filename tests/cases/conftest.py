"""Cases fixtures: the policy parameters loaded once for the package, uploads under a temporary
media root, and the shared scope fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from minzheng.divisions import services as division_services
from minzheng.divisions.models import Division
from minzheng.policy import services as policy_services
from tests.scope import scoped_user, signed_in

__all__ = ["scoped_user", "signed_in"]


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    """Uploaded evidence goes to a temporary directory, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(scope="package", autouse=True)
def loaded_parameters(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The reviewed parameter seed in the database once for this package, rolled back after it
    (the time limits are read from there, as in production); the division tree too, if a
    transactional test flushed it."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        # A transactional test elsewhere may have flushed the tree this worker loaded at start.
        if not Division.objects.exists():
            division_services.load_divisions()
        policy_services.load_parameters()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
