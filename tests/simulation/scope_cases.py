"""Who may open the loop figures page (run by tests/test_every_page_scoped.py).

The setup opens a case in 东方广场社区 (高笋塘街道, 万州区); the page of a user holding ``case.view``
over 高笋塘街道 names the township, the page of one holding it over 巫山县 does not.
"""

from __future__ import annotations

from minzheng.cases import services
from tests.cases import factories as f
from tests.scope import scope_case


def _a_case_in_gaosuntang() -> None:
    services.case_open(household=f.elderly_household(name="闭环指标户"), by=None)


CASES = [
    scope_case(
        "cases:figures",
        action="case.view",
        inside=f.TOWNSHIP,
        outside=f.OTHER_COUNTY,
        shows="高笋塘街道",
        setup=_a_case_in_gaosuntang,
    ),
]
