from hypothesis import given
from hypothesis import strategies as st

from stampcard.core.codes import (
    CARD_QR_PREFIX,
    CROCKFORD32,
    looks_like_card_number,
    looks_like_card_qr,
    random_card_number,
    random_card_qr,
)
from stampcard.core.text import fold


def test_card_numbers_are_six_digits_without_a_leading_zero():
    numbers = [random_card_number() for _ in range(2000)]
    assert all(len(n) == 6 and n.isdigit() and n[0] != "0" for n in numbers)


def test_card_numbers_are_random_not_sequential():
    numbers = [int(random_card_number()) for _ in range(200)]
    steps = {b - a for a, b in zip(numbers, numbers[1:], strict=False)}
    assert len(set(numbers)) > 190  # birthday collisions in 900k are possible but rare
    assert len(steps) > 150  # a counter would show one constant step


def test_qr_payloads_use_only_scanner_safe_characters_and_are_unique():
    payloads = {random_card_qr() for _ in range(1000)}
    assert len(payloads) == 1000
    for payload in payloads:
        assert payload.startswith(CARD_QR_PREFIX)
        assert set(payload[len(CARD_QR_PREFIX) :]) <= set(CROCKFORD32)
        assert looks_like_card_qr(payload)
        assert looks_like_card_qr(payload.lower())  # a scanner typing under caps-lock confusion still matches


def test_ref_classifiers_tell_numbers_from_payloads():
    assert looks_like_card_number(" 482913 ")
    assert not looks_like_card_number("48291")
    assert not looks_like_card_number("48291a")
    assert not looks_like_card_qr("SC1:TOO-SHORT")
    assert not looks_like_card_qr("482913")


def test_fold_ignores_case_accents_and_spacing():
    assert fold("  José   ÁLVAREZ ") == "jose alvarez"
    assert fold("Łukasz Żółć") == "lukasz zolc"
    assert fold("ОЛЕНА Ковальчук") == "олена ковальчук"


def test_fold_keeps_cyrillic_letters_that_differ_only_by_a_mark():
    assert fold("Йосип") == "йосип"
    assert fold("Їжак") == "їжак"
    assert fold("Йосип") != fold("Иосип")


@given(st.text(max_size=40))
def test_fold_is_idempotent(text):
    assert fold(fold(text)) == fold(text)
