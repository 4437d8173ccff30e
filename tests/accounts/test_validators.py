"""Resident id and unified social credit code checks, with property tests."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from storefront.accounts import crypto
from storefront.accounts.validators import (
    USCC_CHARS,
    id_check_char,
    uscc_check_char,
    valid_credit_code,
    valid_id_number,
)

DIGITS = "0123456789X"


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    region = draw(st.integers(100000, 899999))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)))
    seq = draw(st.integers(0, 999))
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + id_check_char(first17)


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    alphabet = st.sampled_from(USCC_CHARS)
    head = draw(st.text(alphabet, min_size=2, max_size=2))
    area = f"{draw(st.integers(0, 999999)):06d}"
    body = draw(st.text(alphabet, min_size=9, max_size=9))
    first17 = head + area + body
    return first17 + uscc_check_char(first17)


@given(id_numbers())
def test_every_generated_id_passes(number: str) -> None:
    assert valid_id_number(number)


@given(id_numbers(), st.integers(0, 17), st.sampled_from(DIGITS))
def test_every_single_character_change_of_an_id_fails(number: str, pos: int, ch: str) -> None:
    if number[pos] == ch:
        return
    assert not valid_id_number(number[:pos] + ch + number[pos + 1 :])


@given(credit_codes())
def test_every_generated_credit_code_passes(code: str) -> None:
    assert valid_credit_code(code)


@given(credit_codes(), st.integers(0, 17), st.sampled_from(USCC_CHARS + "IOZSV"))
def test_every_single_character_change_of_a_code_fails(code: str, pos: int, ch: str) -> None:
    if code[pos] == ch:
        return
    assert not valid_credit_code(code[:pos] + ch + code[pos + 1 :])


def test_known_values_and_dates() -> None:
    assert valid_id_number("11010519491231002X")
    assert valid_id_number("11010519491231002x")
    assert not valid_id_number("110105194902300021")  # 30 February
    assert not valid_id_number("11010599991231002X")  # future
    assert valid_credit_code("91350100M000100Y43")
    assert not valid_credit_code("91350100M000100Y44")


def test_mask() -> None:
    assert crypto.mask("11010519491231002X") == "1101**********002X"
