"""Named providers later apps register with the registry from their ``AppConfig.ready``, so that
the registry never imports them: household-page buttons, panels and timeline entries."""

from __future__ import annotations

from collections.abc import Callable


class Providers[P]:
    """Providers by name, in registration order; a later registration under a name replaces it."""

    def __init__(self) -> None:
        self.by_name: dict[str, P] = {}

    def register(self, name: str) -> Callable[[P], P]:
        """A decorator registering a provider under ``name``."""

        def decorate(provider: P) -> P:
            self.by_name[name] = provider
            return provider

        return decorate
