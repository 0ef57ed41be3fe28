"""Division codes in feed files, checked against the division table once per import."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from minzheng.divisions import selectors as division_selectors
from minzheng.registry.ingest import values
from minzheng.registry.ingest.values import CellError

VILLAGE = "village"


@dataclass(frozen=True)
class _Place:
    id: int
    code: str
    level: str
    retired: bool
    successor_id: int | None


class DivisionIndex:
    """Every division (current and retired) by code, to check the codes a file gives.

    A retired village code (a merger) is accepted when the chain of successors ends in a
    current village: the person lives where the village now is.
    """

    def __init__(self) -> None:
        places = division_selectors.subtree(division_selectors.city(), include_retired=True)
        self._by_code: dict[str, _Place] = {}
        self._by_id: dict[int, _Place] = {}
        self._seen: dict[Any, int] = {}
        for pk, code, level, valid_to, successor in places.values_list(
            "id", "code", "level", "valid_to", "successor_id"
        ):
            place = _Place(pk, code, level, valid_to is not None, successor)
            self._by_code[code] = place
            self._by_id[pk] = place

    def codes(self) -> dict[int, str]:
        """Division id → code."""
        return {pk: place.code for pk, place in self._by_id.items()}

    def village_of(self, raw: object) -> int:
        """``village`` of a raw cell (text, or a number a spreadsheet made of the code)."""
        try:
            return self._seen[raw]
        except (KeyError, TypeError):
            pass
        found = self.village(values.code(raw))
        self._seen[raw] = found  # at most one entry per village code
        return found

    def village(self, code: str) -> int:
        """The id of the current village ``code`` stands for; ``CellError`` when there is none."""
        if not code.isdigit() or len(code) != 12:
            raise CellError(f"区划代码应为12位村(社区)级代码，实际为{len(code)}位")
        place = self._by_code.get(code)
        if place is None:
            raise CellError("区划代码在行政区划表中不存在")
        seen = 0
        while place.retired and place.successor_id is not None and seen < 10:
            place = self._by_id[place.successor_id]
            seen += 1
        if place.retired or place.level != VILLAGE:
            raise CellError("区划代码已撤销，且没有承继的村(社区)，请使用现行代码")
        return place.id
