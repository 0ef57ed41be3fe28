"""Buttons later apps add to the household page (e.g. the cases app's "受理申请"), registered from
their ``AppConfig.ready`` so that the registry never imports them::

    from minzheng.registry.selectors import actions

    @actions.register_household_action("cases")
    def open_case(user, household):
        return [actions.HouseholdAction("受理申请", reverse(...), icon="clipboard-plus")]

A provider returns the actions ``user`` may take on ``household`` (an empty list hides it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from minzheng.registry.models import Household
from minzheng.registry.selectors.providers import Providers


@dataclass(frozen=True)
class HouseholdAction:
    """A button on the household page."""

    label: str
    url: str
    icon: str = ""
    testid: str = ""


type ActionProvider = Callable[[Any, Household], list[HouseholdAction]]

_PROVIDERS: Providers[ActionProvider] = Providers()
# Register a provider of household-page buttons under a name (a later one replaces it).
register_household_action = _PROVIDERS.register


def household_actions(user: Any, household: Household) -> list[HouseholdAction]:
    """Every registered provider's buttons for ``user`` on ``household``, in registration order."""
    found: list[HouseholdAction] = []
    for provider in _PROVIDERS.by_name.values():
        found.extend(provider(user, household))
    return found
