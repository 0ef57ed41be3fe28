"""Registry fixtures: the shared scope fixtures."""

from __future__ import annotations

from tests.scope import scoped_user, signed_in

__all__ = ["scoped_user", "signed_in"]
