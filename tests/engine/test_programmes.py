"""Every programme tells a caseworker its legal basis in Chinese, naming its documents."""

from __future__ import annotations

import re

import pytest

from minzheng.engine.programmes import BY_NAME
from minzheng.engine.programmes.base import Programme


@pytest.mark.parametrize("programme", list(BY_NAME.values()), ids=list(BY_NAME))
def test_legal_basis_reads_in_chinese_and_names_its_source(programme: Programme) -> None:
    basis = programme.legal_basis
    # No English words (the module docstrings say it in English for developers).
    assert re.findall(r"[A-Za-z]{3,}", basis) == []
    # A document (《…》 or a 文号 such as 民发〔2021〕57号) or the system it rests on.
    assert re.search(r"《.+》|〔\d{4}〕\d+号|制度|政策", basis)
