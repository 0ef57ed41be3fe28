"""Monitoring fixtures: the shared scope fixtures and policy parameters."""

from __future__ import annotations

import pytest

from minzheng.policy import services as policy_services
from tests.scope import scoped_user, signed_in

__all__ = ["scoped_user", "signed_in"]


@pytest.fixture(autouse=True)
def division_tree(request: pytest.FixtureRequest) -> None:
    """The real division tree for database tests, reloaded if a transactional test in the same
    worker flushed it before."""
    if request.node.get_closest_marker("django_db") is not None:
        request.getfixturevalue("divisions")


@pytest.fixture
def parameters(db: None) -> None:
    """The reviewed parameter seed in the database (the truth a run reads)."""
    policy_services.load_parameters()
