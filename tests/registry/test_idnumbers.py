import base64
import hashlib
from datetime import date

import pytest
from cryptography.exceptions import InvalidTag

from minzheng.registry import idnumbers, pii


def test_the_standard_example_checks_out():
    parsed = idnumbers.parse("11010519491231002X")
    assert parsed.value == "11010519491231002X"
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.sex == "F"
    assert parsed.county_code == "110105"


def test_lowercase_x_full_width_digits_spaces_and_excel_float_text_are_accepted():
    assert idnumbers.parse(" １１０１０５１９４９１２３１００２x ").value == "11010519491231002X"
    assert idnumbers.parse("'11010519491231002X").value == "11010519491231002X"


def test_fifteen_digit_numbers_become_eighteen():
    parsed = idnumbers.parse("110105491231002")
    assert parsed.value == "11010519491231002X"
    assert parsed.sex == "F"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("110105194912310021", "校验位错误（应为X）"),
        ("11010519491331002X", "出生日期不存在"),
        ("1101051949123100", "应为18位，实际为16位"),
        ("", "为空"),
        (5.00101199001011e17, "科学计数法"),
        ("11010519491231A02X", "只能由数字"),
    ],
)
def test_invalid_numbers_say_why(raw, reason):
    with pytest.raises(idnumbers.InvalidIdNumber) as err:
        idnumbers.parse(raw)
    assert reason in err.value.reason


def test_mask_keeps_address_code_and_last_four():
    assert idnumbers.mask("50010119900101123X") == "500101********123X"


def test_encryption_round_trips_and_never_repeats():
    first, second = pii.encrypt("50010119900101123X"), pii.encrypt("50010119900101123X")
    assert first != second
    assert "50010119900101123X" not in first
    assert pii.decrypt(first) == "50010119900101123X"


def test_lookup_hash_is_stable_and_keyed():
    value = "50010119900101123X"
    assert pii.lookup_hash(value) == pii.lookup_hash(value)
    assert len(pii.lookup_hash(value)) == 64
    assert pii.lookup_hash(value) != hashlib.sha256(value.encode()).hexdigest()


def test_the_importers_lookup_hasher_gives_the_same_hash_as_lookup_hash():
    hash_one = pii.lookup_hasher()
    for value in ("50010119900101123X", "500101199001011234", "", "重庆"):
        assert hash_one(value) == pii.lookup_hash(value)
    assert hash_one("50010119900101123X") != hash_one("500101199001011234")


def test_altered_ciphertext_is_refused():
    token = pii.encrypt("50010119900101123X")
    raw = bytearray(base64.urlsafe_b64decode(token))
    raw[-1] ^= 1
    with pytest.raises(InvalidTag):
        pii.decrypt(base64.urlsafe_b64encode(bytes(raw)).decode())
