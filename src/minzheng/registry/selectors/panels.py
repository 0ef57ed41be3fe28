"""Panels later apps add to the household page (e.g. monitoring's "救助资格评估"), registered
from their ``AppConfig.ready`` so that the registry never imports them::

    from minzheng.registry.selectors import panels

    @panels.register_household_panel("monitoring.outcome")
    def outcome_panel(user, household):
        return [panels.HouseholdPanel("outcome", "救助资格评估", reverse(...))]

The page loads each panel's ``url`` (htmx, on load) into a card above the tabs; the panel's view
applies its own scope. A provider returns the panels ``user`` may see (an empty list hides it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from minzheng.registry.models import Household
from minzheng.registry.selectors.providers import Providers


@dataclass(frozen=True)
class HouseholdPanel:
    """A card on the household page whose body is loaded from ``url``."""

    key: str
    title: str
    url: str
    icon: str = ""


type PanelProvider = Callable[[Any, Household], list[HouseholdPanel]]

_PROVIDERS: Providers[PanelProvider] = Providers()
# Register a provider of household-page panels under a name (a later one replaces it).
register_household_panel = _PROVIDERS.register


def household_panels(user: Any, household: Household) -> list[HouseholdPanel]:
    """Every registered provider's panels for ``user`` on ``household``, in registration order."""
    found: list[HouseholdPanel] = []
    for provider in _PROVIDERS.by_name.values():
        found.extend(provider(user, household))
    return found
