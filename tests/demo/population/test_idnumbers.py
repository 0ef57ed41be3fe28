"""ID numbers: valid, unique, and saying what the person's record says."""

from __future__ import annotations

from datetime import date

import pyarrow as pa

from minzheng.demo.population import Options, calibration, generate_tables
from minzheng.registry.idnumbers import mask, parse


def test_every_id_number_is_valid_unique_and_consistent(population: dict[str, pa.Table]) -> None:
    persons = population["persons"]
    numbers = persons.column("id_number").to_pylist()
    births = persons.column("birth_date").to_pylist()
    sexes = persons.column("sex").to_pylist()
    registered = persons.column("hukou_division").to_pylist()

    assert len(set(numbers)) == len(numbers)
    old_codes = {code: old for code, (old, _year) in calibration.RETIRED_COUNTY_CODES.items()}
    change_year = {code: year for code, (_old, year) in calibration.RETIRED_COUNTY_CODES.items()}
    moved = set(calibration.ELDERLY_MOVED_ID_CODES)
    kinds = {"current": 0, "retired": 0, "moved": 0}
    for number, birth, sex, hukou in zip(numbers, births, sexes, registered, strict=True):
        parsed = parse(number)
        assert parsed.value == number
        assert parsed.birth_date == birth
        assert parsed.sex == sex
        county = hukou[:6]
        if parsed.address_code == county:
            assert county not in change_year or birth.year >= change_year[county]
            kinds["current"] += 1
        elif parsed.address_code == old_codes.get(county):
            assert birth.year < change_year[county]
            kinds["retired"] += 1
        else:
            assert parsed.address_code in moved, number
            kinds["moved"] += 1
    assert kinds["current"] > 0.8 * len(numbers)
    assert kinds["moved"] > 0


def test_retired_codes_stay_on_numbers_issued_before_the_change() -> None:
    tables = generate_tables(
        Options(persons=4_000, seed=2, as_of=date(2025, 9, 30), counties=("500154",))
    )
    codes = {n[:6] for n in tables["persons"].column("id_number").to_pylist()}

    assert {"500154", "500234"} <= codes  # 开州区 since 2016, 开县 before


def test_masked_form_keeps_code_and_last_four(population: dict[str, pa.Table]) -> None:
    number = population["persons"].column("id_number")[0].as_py()

    assert mask(number) == number[:6] + "********" + number[14:]


def test_birthdays_are_spread_so_sequences_last_for_the_whole_city() -> None:
    tables = generate_tables(
        Options(persons=60_000, seed=8, as_of=date(2025, 9, 30), counties=("500103",))
    )
    counts = tables["persons"].column("birth_date").value_counts().to_pylist()

    # 渝中区 alone, 60,000 people: ~1.6 per birth date on average; no date may pile up (a clipped
    # age once put hundreds on one day, exhausting the 500 sequences of a date at city scale).
    assert max(c["counts"] for c in counts) < 12
