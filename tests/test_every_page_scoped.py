"""Every page and every API operation has its scope tests, and they pass.

Walks the project's URL map (the ninja API's operations are URL patterns under the ``api``
namespace) and fails for any named URL without a ``scope_case`` in some
``tests/<app>/scope_cases.py``; then runs every declared case (see ``tests/scope.py``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.scope import ScopeCase, collect_cases, run_scope_case

# Named URLs that need no scope case, and why.
ALLOWED_UNSCOPED: dict[str, str] = {
    "accounts:login": "the sign-in page itself",
    "accounts:logout": "signing out",
    "web:health": "monitoring, no data",
    "set_language": "Django i18n",
    "api:openapi-json": "API docs",
    "api:openapi-view": "API docs",
    "api:api-root": "ninja's index of the API, no data",
}
# Whole namespaces left out: Django's own admin (superusers only), static files.
ALLOWED_NAMESPACES = ("admin",)
ALLOWED_PREFIXES = ("django-admin/", "static/", "media/", "__debug__/")


def _walk(
    patterns: list[URLPattern | URLResolver], namespace: str = "", prefix: str = ""
) -> Iterator[tuple[str, str]]:
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, ns, route)
        elif entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield name, route
        else:
            yield "", route


def project_urls() -> list[tuple[str, str]]:
    """(qualified name, route) of every URL pattern of the project, unnamed ones with ""."""
    return list(_walk(get_resolver().url_patterns))


def _exempt(name: str, route: str) -> bool:
    if name in ALLOWED_UNSCOPED:
        return True
    if name.split(":", 1)[0] in ALLOWED_NAMESPACES:
        return True
    return route.lstrip("^").startswith(ALLOWED_PREFIXES)


CASES: list[ScopeCase] = collect_cases()


def test_every_named_url_has_a_scope_case() -> None:
    declared = {case.url_name for case in CASES}
    missing = sorted(
        f"{name}  ({route})"
        for name, route in project_urls()
        if name and name not in declared and not _exempt(name, route)
    )
    assert not missing, (
        "These URLs have no scope case; add scope_case(...) to tests/<app>/scope_cases.py:\n  "
        + "\n  ".join(missing)
    )


def test_every_url_is_named() -> None:
    unnamed = sorted(route for name, route in project_urls() if not name and not _exempt("", route))
    assert not unnamed, "Name these URLs so that scope cases can reach them:\n  " + "\n  ".join(
        unnamed
    )


def test_api_operation_names_are_unique() -> None:
    """Two API operations sharing a name cannot both be reversed (give one ``url_name=``)."""
    names = Counter(name for name, _route in project_urls() if name.startswith("api:"))
    assert [n for n, c in names.items() if c > 1] == []


def test_scope_cases_name_real_urls() -> None:
    known = {name for name, _route in project_urls()}
    stale = sorted({c.url_name for c in CASES if c.url_name and c.url_name not in known})
    assert stale == [], f"scope cases for URLs that no longer exist: {stale}"


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_scope(case: ScopeCase) -> None:
    run_scope_case(case)
