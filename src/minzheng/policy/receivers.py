"""Receivers: every change to a parameter or a value gives the parameters a new revision."""

from __future__ import annotations

import uuid
from typing import Any

from minzheng.policy.models import REVISION_PK, ParameterRevision


def parameters_changed(sender: Any, **_: Any) -> None:
    """A parameter or a value was saved or deleted: a new token for the readers' caches."""
    ParameterRevision.objects.update_or_create(pk=REVISION_PK, defaults={"token": uuid.uuid4().hex})
