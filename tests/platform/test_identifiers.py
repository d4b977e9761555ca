"""Unified social credit codes (GB 32100-2015): the checksum, normalisation and messages."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pilot_portal.identifiers import ALPHABET, InvalidUSCC, check_character, parse_uscc


@pytest.mark.parametrize(
    "code",
    ["91350100M000100Y43", "91110108551385082Q", "91110000802100433B", "91440300708461136T"],
)
def test_it_accepts_the_published_examples(code):
    assert parse_uscc(code).code == code


def test_it_normalises_full_width_lower_case_and_spaces():
    assert parse_uscc(" ９１４４０３００７０８４６１１３６ｔ ").code == "91440300708461136T"
    assert parse_uscc("9135 0100 m000 100y 43").code == "91350100M000100Y43"


def test_it_explains_a_wrong_check_character():
    with pytest.raises(InvalidUSCC) as error:
        parse_uscc("91350100M000100Y44")

    assert str(error.value) == (
        "统一社会信用代码校验位错误：应为 3，实际为 4 / wrong check character: expected 3, got 4"
    )


def test_it_explains_a_wrong_length_and_forbidden_letters():
    with pytest.raises(InvalidUSCC, match="18 characters, got 17"):
        parse_uscc("91350100M000100Y4")
    with pytest.raises(InvalidUSCC, match="not allowed: I, O"):
        parse_uscc("91350100MI00100YO3")


def test_a_sum_divisible_by_31_gives_check_character_zero():
    assert check_character("00000000000000000") == "0"


@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17))
def test_any_code_with_its_computed_check_character_is_valid(first17):
    assert parse_uscc(first17 + check_character(first17)).code == first17 + check_character(first17)


@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17), st.sampled_from(ALPHABET))
def test_every_other_check_character_is_refused(first17, last):
    if last == check_character(first17):
        return
    with pytest.raises(InvalidUSCC):
        parse_uscc(first17 + last)


@given(
    st.text(alphabet=ALPHABET, min_size=17, max_size=17),
    st.integers(min_value=0, max_value=17),
    st.sampled_from(ALPHABET),
)
def test_any_single_character_change_is_caught(first17, position, replacement):
    code = first17 + check_character(first17)
    if code[position] == replacement:
        return
    changed = code[:position] + replacement + code[position + 1 :]

    with pytest.raises(InvalidUSCC, match="wrong check character"):
        parse_uscc(changed)


@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17))
def test_spaces_case_and_full_width_forms_normalise_to_the_same_code(first17):
    code = first17 + check_character(first17)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)

    assert parse_uscc(f"  {code.lower()} ").code == code
    assert parse_uscc(full_width).code == code
