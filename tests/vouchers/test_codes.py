"""Redeem codes: 10 unambiguous symbols whose last one catches typos before any lookup."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stampcard.core.codes import CROCKFORD32
from stampcard.core.errors import ValidationFailed
from stampcard.vouchers.codes import (
    CODE_LENGTH,
    CodeSource,
    check_symbol,
    format_code,
    is_valid_generated,
    parse_code,
    random_code,
    validate_merchant_code,
)

bodies = st.text(alphabet=CROCKFORD32, min_size=CODE_LENGTH - 1, max_size=CODE_LENGTH - 1)
codes = bodies.map(lambda body: body + check_symbol(body))


def test_generated_codes_are_ten_crockford_symbols_that_pass_their_check():
    generated = {random_code() for _ in range(2000)}
    assert len(generated) == 2000
    for code in generated:
        assert len(code) == CODE_LENGTH and set(code) <= set(CROCKFORD32)
        assert not set(code) & set("ILOU")
        assert is_valid_generated(code)


def test_generated_codes_use_the_whole_alphabet_in_every_random_position():
    generated = [random_code() for _ in range(3000)]
    for position in range(CODE_LENGTH - 1):
        assert {code[position] for code in generated} == set(CROCKFORD32)


@given(codes, st.integers(0, CODE_LENGTH - 1), st.sampled_from(CROCKFORD32))
def test_every_single_symbol_typo_is_caught(code, position, symbol):
    typo = code[:position] + symbol + code[position + 1 :]
    assert is_valid_generated(typo) == (typo == code)


@given(codes, st.integers(0, CODE_LENGTH - 2))
def test_every_swap_of_two_neighbouring_symbols_is_caught(code, position):
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
    assert is_valid_generated(swapped) == (swapped == code)


@given(codes, st.integers(0, CODE_LENGTH - 1), st.integers(0, CODE_LENGTH - 1))
def test_even_swaps_of_distant_symbols_are_caught(code, i, j):
    chars = list(code)
    chars[i], chars[j] = chars[j], chars[i]
    swapped = "".join(chars)
    assert is_valid_generated(swapped) == (swapped == code)


@given(codes)
def test_a_code_survives_how_people_type_it(code):
    typed = format_code(code).lower().replace("0", "o").replace("1", "l")
    assert parse_code(f"  {typed} ") == parse_code(code.replace("-", " "))
    assert parse_code(typed).value == code
    assert parse_code(typed).source == CodeSource.GENERATED


def test_a_mistyped_code_is_refused_as_a_typo():
    code = random_code()
    typo = code[:3] + ("0" if code[3] != "0" else "1") + code[4:]
    with pytest.raises(ValidationFailed) as refused:
        parse_code(typo)
    assert refused.value.code == "voucher_code_mistyped" and refused.value.status == 422


@pytest.mark.parametrize("junk", ["", "  ", "AB", "ÄÖÜ-ÄÖÜ", "x" * 40, "promo!"])
def test_something_that_cannot_be_a_code_is_refused(junk):
    with pytest.raises(ValidationFailed) as refused:
        parse_code(junk)
    assert refused.value.code == "voucher_code_invalid"


def test_merchant_codes_are_stored_compact_and_upper_case():
    assert validate_merchant_code(" summer-25 ") == "SUMMER25"
    assert parse_code("Summer 25") == parse_code("SUMMER25")
    assert parse_code("summer25").source == CodeSource.MERCHANT


def test_merchant_codes_that_look_like_generated_ones_are_refused():
    # "COFFEELOVE" reads as C0FFEE10VE: ten base32 symbols, so a typo in it could never be told apart.
    with pytest.raises(ValidationFailed) as refused:
        validate_merchant_code("coffee-love")
    assert refused.value.code == "voucher_code_reserved_shape"


@pytest.mark.parametrize("bad", ["abc", "x" * 33, "SALE 10%", "ЗНИЖКА10"])
def test_merchant_codes_must_be_4_to_32_letters_and_digits(bad):
    with pytest.raises(ValidationFailed) as refused:
        validate_merchant_code(bad)
    assert refused.value.code == "voucher_code_invalid"
