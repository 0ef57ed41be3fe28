"""Resident ID numbers issued the way GB 11643 describes them, for millions of people at once.

address code (6) + birth date (8) + sequence (3, odd for men, even for women) + MOD 11-2 check
character. Uniqueness: the sequence is the running count of people already given a number with the
same address code, birth date and sex — kept in a small counter table across the whole run, so
numbers stay unique however many chunks the population is generated in.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa

from minzheng.registry.idnumbers import CHECK_CHARS, WEIGHTS

_EPOCH = date(1970, 1, 1)
_MAX_AGE_YEARS = 112


class SequenceExhausted(ValueError):
    """More people share an address code, birth date and sex than the sequence can number."""


class IdIssuer:
    """Hands out unique 18-character ID numbers; one instance per generated population."""

    def __init__(self, address_codes: tuple[str, ...], as_of: date) -> None:
        self.address_codes = address_codes
        self._code_values = np.array([int(c) for c in address_codes], dtype=np.int64)
        self._first_day = (as_of - _EPOCH).days - int(_MAX_AGE_YEARS * 365.25)
        self._days = int(_MAX_AGE_YEARS * 365.25) + 2
        self._counter = np.zeros(len(address_codes) * self._days * 2, dtype=np.int16)

    def code_index(self, code: str) -> int:
        return self.address_codes.index(code)

    def issue(self, code_index: np.ndarray, birth_day: np.ndarray, male: np.ndarray) -> pa.Array:
        """ID numbers for people given as (address code index, birth day since 1970, is male)."""
        n = len(code_index)
        day = birth_day.astype(np.int64) - self._first_day
        if n and (day.min() < 0 or day.max() >= self._days):
            raise ValueError("birth date outside the range the issuer numbers")
        key = (code_index.astype(np.int64) * self._days + day) * 2 + male.astype(np.int64)
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
        group_sizes = np.diff(np.r_[starts, n])
        rank_sorted = np.arange(n) - np.repeat(starts, group_sizes)
        rank = np.empty(n, dtype=np.int64)
        rank[order] = rank_sorted
        serial = self._counter[key].astype(np.int64) + rank
        self._counter[sorted_key[starts]] += group_sizes.astype(np.int16)
        # men 001, 003 … 999; women 002, 004 … 998
        sequence = np.where(male, serial * 2 + 1, serial * 2 + 2)
        if n and sequence.max() > 999:
            raise SequenceExhausted(
                "too many people share an address code, birth date and sex; choose more counties"
            )
        return self._format(code_index, birth_day, sequence)

    def _format(
        self, code_index: np.ndarray, birth_day: np.ndarray, sequence: np.ndarray
    ) -> pa.Array:
        days = birth_day.astype("datetime64[D]")
        year = days.astype("datetime64[Y]").astype(np.int64) + 1970
        month = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
        day = (days - days.astype("datetime64[M]")).astype(np.int64) + 1
        first17 = (
            self._code_values[code_index] * 10**11
            + (year * 10_000 + month * 100 + day) * 1_000
            + sequence
        )
        n = len(first17)
        digits = np.empty((n, 18), dtype=np.uint8)
        rest = first17.copy()
        for position in range(16, -1, -1):
            digits[:, position] = rest % 10
            rest //= 10
        total = digits[:, :17].astype(np.int64) @ np.array(WEIGHTS, dtype=np.int64)
        check = np.frombuffer(CHECK_CHARS.encode(), dtype=np.uint8)[total % 11]
        digits[:, :17] += ord("0")
        digits[:, 17] = check
        offsets = np.arange(0, 18 * n + 1, 18, dtype=np.int32)
        return pa.Array.from_buffers(
            pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(digits.tobytes())]
        )
