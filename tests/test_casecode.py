"""Case codes: random, readable, and every single typo or neighbour swap is caught."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.casecode import (
    ALPHABET,
    DATA_LENGTH,
    LENGTH,
    MODULUS,
    CaseCodeError,
    check_symbol,
    format_code,
    is_valid,
    new_code,
    normalise,
    parse,
)

SHAPE = re.compile(r"[0-9A-Z]{3}-[0-9A-Z]{3}-[0-9A-Z]{3}")


def sample_codes(count: int = 300) -> list[str]:
    """Reproducible codes drawn through the same generator the product uses."""
    rng = random.Random(20261123)
    return [new_code(rng.randrange) for _ in range(count)]


def single_substitutions(symbols: str) -> list[str]:
    return [symbols[:i] + other + symbols[i + 1:]
            for i, symbol in enumerate(symbols) for other in ALPHABET if other != symbol]


def adjacent_swaps(symbols: str) -> list[str]:
    return [symbols[:i] + symbols[i + 1] + symbols[i] + symbols[i + 2:]
            for i in range(len(symbols) - 1) if symbols[i] != symbols[i + 1]]


def test_the_alphabet_has_31_symbols_none_of_them_ambiguous() -> None:
    assert len(set(ALPHABET)) == MODULUS == 31
    assert not set("ILOUV") & set(ALPHABET)


def test_a_new_code_is_nine_symbols_in_three_groups_and_valid() -> None:
    code = new_code()
    assert SHAPE.fullmatch(code)
    assert is_valid(code) and parse(code) == code


def test_new_codes_do_not_repeat_in_ten_thousand_draws() -> None:
    codes = {new_code() for _ in range(10_000)}
    assert len(codes) == 10_000


def test_new_codes_use_every_symbol_in_every_position() -> None:
    codes = [new_code().replace("-", "") for _ in range(3_000)]
    for position in range(DATA_LENGTH):
        assert {code[position] for code in codes} == set(ALPHABET)


def test_every_single_character_substitution_of_sampled_codes_is_detected() -> None:
    checked = 0
    for code in sample_codes():
        for typo in single_substitutions(code.replace("-", "")):
            assert not is_valid(typo), f"{typo} (typo of {code}) passed the check"
            checked += 1
    assert checked == 300 * LENGTH * (MODULUS - 1)


def test_every_adjacent_swap_of_sampled_codes_is_detected() -> None:
    checked = 0
    for code in sample_codes():
        for swapped in adjacent_swaps(code.replace("-", "")):
            assert not is_valid(swapped), f"{swapped} (swap in {code}) passed the check"
            checked += 1
    assert checked > 300 * (LENGTH - 1) * 0.9


def test_detection_holds_for_every_code_because_the_check_is_linear() -> None:
    """A typo shifts the weighted sum by an amount that depends only on the position and
    the two symbols involved, never on the rest of the code; so proving every such shift is
    non-zero modulo 31 proves detection for all 31**8 codes, not just a sample."""
    for weight in range(1, LENGTH + 1):
        for a in range(MODULUS):
            for b in range(MODULUS):
                if a != b:
                    assert weight * (a - b) % MODULUS != 0  # substitution at this position
                    if weight < LENGTH:                     # swap with the next position
                        swap = weight * (b - a) + (weight + 1) * (a - b)
                        assert swap % MODULUS != 0


@given(st.text(alphabet=ALPHABET, min_size=DATA_LENGTH, max_size=DATA_LENGTH))
def test_any_data_with_its_check_symbol_is_a_valid_code(data: str) -> None:
    code = format_code(data + check_symbol(data))
    assert parse(code) == code


@pytest.mark.parametrize(("typed", "expected"), [
    ("k7q-4mx-2py", "K7Q-4MX-2PY"),
    ("K7Q 4MX 2PY", "K7Q-4MX-2PY"),
    ("k7q4mx2py", "K7Q-4MX-2PY"),
    (" K7Q.4MX.2PY ", "K7Q-4MX-2PY"),
])
def test_parse_ignores_case_spaces_and_separators(typed: str, expected: str) -> None:
    assert parse(typed) == expected


def test_parse_reads_o_as_zero_and_i_or_l_as_one() -> None:
    data = "10K0Q1M1"
    code = format_code(data + check_symbol(data))
    looks_alike = code.replace("0", "O", 1).replace("1", "I", 1).replace("1", "l", 1)
    assert looks_alike != code
    assert parse(looks_alike) == code
    assert normalise("oIl") == "011"


@pytest.mark.parametrize(("typed", "message"), [
    ("K7Q-4MX-2P", "a case code has 9 characters, like K7Q-4MX-2PY; this one has 8"),
    ("K7Q-4MX-2PYY", "a case code has 9 characters, like K7Q-4MX-2PY; this one has 10"),
    ("", "a case code has 9 characters, like K7Q-4MX-2PY; this one has 0"),
    ("K7Q-4MX-2PU", "a case code never contains U; please check the code"),
    ("K7V-4MX-2P#", "a case code never contains #, V; please check the code"),
    ("K7Q-4MX-2PA", "this case code has a mistyped or swapped character; please check the code"),
    ("7KQ-4MX-2PY", "this case code has a mistyped or swapped character; please check the code"),
])
def test_parse_says_what_is_wrong(typed: str, message: str) -> None:
    with pytest.raises(CaseCodeError) as error:
        parse(typed)
    assert str(error.value) == message
