"""Who may reach the division pages and API (run by tests/test_every_page_scoped.py).

The in-scope user holds the action over 万州区 (500101), the out-of-scope one over 城口县
(500229); division changes need a city-wide scope, so there the outsider holds 万州区.
"""

from __future__ import annotations

from typing import Any

from minzheng.divisions import services
from tests.scope import scope_case


def _draft_rename() -> dict[str, Any]:
    change = services.change_record(
        spec={
            "kind": "rename",
            "title": "scope test: rename a street",
            "effective_on": "2026-06-01",
            "items": [{"op": "rename", "code": "500101001", "name": "高笋塘新街道"}],
        },
        by=None,
    )
    return {"pk": change.pk}


CASES = [
    scope_case(
        "divisions:browser",
        action="division.view",
        inside="500101",
        outside="500229",
        shows="万州区",
    ),
    scope_case(
        "divisions:detail",
        kwargs={"code": "500101"},
        action="division.view",
        inside="500101",
        outside="500229",
    ),
    scope_case(
        "divisions:detail",
        kwargs={"code": "500101001001"},
        action="division.view",
        inside="500101001",
        outside="500101017",
        label="divisions:detail village",
    ),
    scope_case(
        "divisions:children",
        kwargs={"code": "500101001"},
        action="division.view",
        inside="500101",
        outside="500229",
    ),
    scope_case(
        "divisions:map_data",
        action="division.view",
        inside="500101",
        outside="500229",
        shows='"scope": ["500101"]',
    ),
    scope_case("divisions:change_list", action="division.change", outside="500101"),
    scope_case("divisions:change_create", action="division.change", outside="500101"),
    scope_case(
        "divisions:change_detail",
        kwargs=_draft_rename,
        action="division.change",
        outside="500101",
    ),
    scope_case(
        "divisions:change_apply",
        kwargs=_draft_rename,
        method="post",
        data={"confirm": "on"},
        action="division.change",
        outside="500101",
        expect=302,
    ),
    scope_case(
        "api:division_list",
        data={"level": "county"},
        action="division.view",
        inside="500101",
        outside="500229",
        shows='"code": "500101"',
    ),
    scope_case(
        "api:division_detail",
        kwargs={"code": "500101"},
        action="division.view",
        inside="500101",
        outside="500229",
    ),
    scope_case(
        "api:division_children",
        kwargs={"code": "500101"},
        action="division.view",
        inside="500101",
        outside="500229",
    ),
]
