"""Accounts fixtures: the seeded roles and org units, for the tests of this package only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from minzheng.accounts import services
from tests.scope import scoped_user, signed_in

__all__ = ["scoped_user", "signed_in"]


@pytest.fixture(scope="package", autouse=True)
def seeded_accounts(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Roles and all org units, seeded once for this package and rolled back after it.

    The seed runs inside an outer transaction; each test's own transaction nests in it as a
    savepoint (as in Django's ``TestCase.setUpTestData``), and the whole seed is rolled back
    when the package is done, so tests elsewhere never see these rows.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        services.seed_roles()
        services.seed_org_units()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
