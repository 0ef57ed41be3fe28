"""The shared scope test base: every page and API endpoint gets its anonymous, wrong-scope and
right-scope tests from one declaration.

Declare the cases of your app in ``tests/<app>/scope_cases.py`` as a list named ``CASES``::

    from tests.scope import scope_case

    CASES = [
        scope_case("divisions:detail", kwargs={"code": "500101"},
                   action="division.view", inside="500101", outside="500229"),
        scope_case("divisions:browser", action="division.view", shows="万州区",
                   inside="500101", outside="500229"),
        scope_case("api:accounts_me", action=None),
    ]

``tests/test_every_page_scoped.py`` collects every ``CASES`` list, runs each case, and fails for
any named URL of the project (pages and ninja API operations) that has no case. Each case checks:

1. anonymous: a page redirects to the login page, an API endpoint answers 401;
2. signed in without ``action`` anywhere: 404 (pages and API alike);
3. ``outside``: a user holding exactly ``action`` over the ``outside`` division (or over
   ``inside`` for ``outside_business_line``): 404 — or, for a list page declared with
   ``shows="…"``, 200 without that text;
4. ``inside``: a user holding exactly ``action`` over ``inside`` (with ``business_line``):
   ``expect`` (200 by default), and ``shows`` in the page when given.

``action=None`` declares a page every signed-in user may open (only checks 1 and 4 run);
``no_object=True`` a page that shows no scoped object (a blank create form, the list of roles):
check 3 does not apply to it. ``kwargs`` and ``data`` may be callables (no arguments), run inside
the test's database transaction, to create the object the URL points at; ``setup`` (a callable)
runs first, e.g. to create the row a list page must show.

Users are built by ``make_scoped_user``: a role holding exactly the given actions, no two-factor
requirement, assigned over one division, in a test org unit placed in that division.
"""

from __future__ import annotations

import hashlib
import importlib.util
import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from minzheng.accounts.models import OrgUnit, Role, RoleAssignment, User
from minzheng.divisions.models import Division

TESTS_DIR = Path(__file__).resolve().parent
PASSWORD = "Scope-test-2026"  # meets the password rules
API_PREFIX = "/api/"

Kwargs = Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None

_counter = itertools.count(1)

_ORG_KIND_BY_LEVEL: dict[str, str] = {
    Division.Level.CITY: OrgUnit.Kind.CITY_BUREAU,
    Division.Level.COUNTY: OrgUnit.Kind.COUNTY_BUREAU,
    Division.Level.TOWNSHIP: OrgUnit.Kind.SERVICE_STATION,
    Division.Level.VILLAGE: OrgUnit.Kind.VILLAGE_COMMITTEE,
}


# --- users --------------------------------------------------------------------------------------


def scope_role(actions: Iterable[str], *, requires_two_factor: bool = False) -> Role:
    """A role holding exactly ``actions`` (created once per set of actions)."""
    chosen = sorted(set(actions))
    digest = hashlib.sha1(("|".join(chosen) + f"|2fa={requires_two_factor}").encode()).hexdigest()[
        :10
    ]
    role, _created = Role.objects.get_or_create(
        code=f"scope-test-{digest}",
        defaults={
            # Role.name holds 60 characters (PostgreSQL enforces it; SQLite does not).
            "name": ("测试角色：" + "、".join(chosen))[:60] if chosen else "测试角色（无权限）",
            "actions": chosen,
            "requires_two_factor": requires_two_factor,
        },
    )
    return role


def scope_org_unit(division: Division) -> OrgUnit:
    """A test org unit placed in ``division`` (one per division)."""
    unit, _created = OrgUnit.objects.get_or_create(
        code=f"scope-test-{division.code}",
        defaults={
            "name": f"测试机构（{division.name}）",
            "kind": _ORG_KIND_BY_LEVEL.get(division.level, str(OrgUnit.Kind.COUNTY_BUREAU)),
            "division": division,
        },
    )
    return unit


def make_scoped_user(
    actions: Iterable[str] = (),
    *,
    division: str = "500000",
    business_line: str = "",
    username: str = "",
    requires_two_factor: bool = False,
    org_unit: OrgUnit | None = None,
    password: str | None = None,
) -> User:
    """A user in a test org unit of ``division`` holding exactly ``actions`` over it.

    With no actions the user holds no role assignment at all. Without ``password`` the user
    cannot sign in with one (tests use ``client.force_login``), which keeps the factory fast.
    """
    place = Division.objects.get(code=division)
    user = User(
        username=username or f"scope{next(_counter)}",
        full_name="测试用户",
        org_unit=org_unit or scope_org_unit(place),
    )
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save()
    actions = list(actions)
    if actions:
        RoleAssignment.objects.create(
            user=user,
            role=scope_role(actions, requires_two_factor=requires_two_factor),
            division=place,
            business_line=business_line,
        )
    return user


@pytest.fixture
def scoped_user(db: None) -> Callable[..., User]:
    """The factory ``make_scoped_user`` as a fixture: ``scoped_user(["case.view"], division=…)``."""
    return make_scoped_user


@pytest.fixture
def signed_in(client: Client) -> Callable[..., User]:
    """Build a scoped user and sign the test client in as them; returns the user."""

    def sign_in(actions: Iterable[str] = (), **kwargs: Any) -> User:
        user = make_scoped_user(actions, **kwargs)
        client.force_login(user)
        return user

    return sign_in


# --- cases --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScopeCase:
    """One URL and who may reach it. Build with ``scope_case``."""

    url: str
    kwargs: Kwargs = None
    action: str | None = None
    inside: str = "500000"
    outside: str | None = None
    business_line: str = ""
    outside_business_line: str | None = None
    method: str = "get"
    data: Kwargs = None
    expect: int = 200
    shows: str = ""
    label: str = ""
    extra_actions: tuple[str, ...] = field(default=())
    no_object: bool = False
    setup: Callable[[], Any] | None = None

    @property
    def url_name(self) -> str:
        """The URL name this case covers ("" for a literal path)."""
        return "" if self.url.startswith("/") else self.url

    @property
    def id(self) -> str:
        return self.label or f"{self.url}[{self.method}]"

    def resolve(self) -> str:
        """The path to request (kwargs built now, inside the test's transaction)."""
        if self.url.startswith("/"):
            return self.url
        kwargs = self.kwargs() if callable(self.kwargs) else self.kwargs
        return reverse(self.url, kwargs=dict(kwargs or {}))

    def payload(self) -> dict[str, Any]:
        data = self.data() if callable(self.data) else self.data
        return dict(data or {})


def scope_case(
    url: str,
    *,
    kwargs: Kwargs = None,
    action: str | None,
    inside: str = "500000",
    outside: str | None = None,
    business_line: str = "",
    outside_business_line: str | None = None,
    method: str = "get",
    data: Kwargs = None,
    expect: int = 200,
    shows: str = "",
    label: str = "",
    extra_actions: Iterable[str] = (),
    no_object: bool = False,
    setup: Callable[[], Any] | None = None,
) -> ScopeCase:
    """Declare who may reach ``url`` (a URL name such as ``"accounts:user_detail"``, or a path).

    ``action``: what the page needs (None: any signed-in user). ``inside``/``outside``: division
    codes over which the in-scope and the out-of-scope users hold ``action``;
    ``outside_business_line`` makes the out-of-scope user hold it over ``inside`` but for another
    business line. ``extra_actions`` are granted to both users alongside ``action`` (a page that
    needs two). ``shows``: text a list page must show inside and must not show outside.
    """
    has_outside = outside is not None or outside_business_line is not None
    if action is not None and not has_outside and not no_object:
        raise ValueError(
            f"{url}: a scoped case needs outside=, outside_business_line= or no_object"
        )
    if no_object and (has_outside or shows):
        raise ValueError(f"{url}: no_object takes neither outside= nor shows=")
    return ScopeCase(
        url=url,
        kwargs=kwargs,
        action=action,
        inside=inside,
        outside=outside,
        business_line=business_line,
        outside_business_line=outside_business_line,
        method=method.lower(),
        data=data,
        expect=expect,
        shows=shows,
        label=label,
        extra_actions=tuple(extra_actions),
        no_object=no_object,
        setup=setup,
    )


def _request(client: Client, case: ScopeCase, path: str) -> Any:
    call = getattr(client, case.method)
    if case.method == "get":
        return call(path, case.payload())
    if path.startswith(API_PREFIX):
        return call(path, case.payload(), content_type="application/json")
    return call(path, case.payload())


def _text(response: Any) -> str:
    content = getattr(response, "content", b"")
    return content.decode("utf-8", "replace") if isinstance(content, bytes) else str(content)


def run_scope_case(case: ScopeCase) -> None:
    """Run the anonymous, no-action, wrong-scope and right-scope checks of ``case``."""
    if case.setup is not None:
        case.setup()
    path = case.resolve()
    is_api = path.startswith(API_PREFIX)
    where = f"{case.method.upper()} {path}"

    # 1. anonymous
    response = _request(Client(), case, path)
    if is_api:
        assert response.status_code == 401, f"{where} anonymous: {response.status_code}, not 401"
    else:
        login = reverse(settings.LOGIN_URL)
        assert response.status_code == 302, f"{where} anonymous: {response.status_code}, not 302"
        assert response["Location"].startswith(login), (
            f"{where} anonymous: redirected to {response['Location']}, not to {login}"
        )

    granted = [case.action, *case.extra_actions] if case.action else []

    if case.action is not None:
        # 2. signed in, holding every other action but not this one
        client = Client()
        client.force_login(make_scoped_user(case.extra_actions, division=case.inside))
        response = _request(client, case, path)
        assert response.status_code == 404, (
            f"{where} without {case.action}: {response.status_code}, not 404"
        )

    if case.action is not None and not case.no_object:
        # 3. the action, but out of scope
        client = Client()
        if case.outside_business_line is not None:
            outsider = make_scoped_user(
                granted, division=case.inside, business_line=case.outside_business_line
            )
        else:
            assert case.outside is not None
            outsider = make_scoped_user(granted, division=case.outside)
        client.force_login(outsider)
        response = _request(client, case, path)
        if case.shows:
            assert response.status_code == 200, (
                f"{where} out of scope: {response.status_code}, not 200 (list page)"
            )
            assert case.shows not in _text(response), f"{where} out of scope: shows {case.shows!r}"
        else:
            assert response.status_code == 404, (
                f"{where} out of scope: {response.status_code}, not 404"
            )

    # 4. in scope
    client = Client()
    client.force_login(
        make_scoped_user(granted, division=case.inside, business_line=case.business_line)
    )
    response = _request(client, case, path)
    assert response.status_code == case.expect, (
        f"{where} in scope: {response.status_code}, not {case.expect}"
    )
    if case.shows:
        assert case.shows in _text(response), f"{where} in scope: {case.shows!r} not shown"


# --- collection ---------------------------------------------------------------------------------


def collect_cases(root: Path = TESTS_DIR) -> list[ScopeCase]:
    """Every ``CASES`` list of every ``tests/**/scope_cases.py``, in path order."""
    cases: list[ScopeCase] = []
    for file in sorted(root.rglob("scope_cases.py")):
        module_name = "tests." + ".".join(file.relative_to(root).with_suffix("").parts)
        spec = importlib.util.spec_from_file_location(module_name, file)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found = getattr(module, "CASES", None)
        if not isinstance(found, list | tuple):
            raise TypeError(f"{file}: define CASES = [scope_case(...), ...]")
        for case in found:
            if not isinstance(case, ScopeCase):
                raise TypeError(f"{file}: {case!r} is not a scope_case(...)")
            cases.append(case)
    return cases
