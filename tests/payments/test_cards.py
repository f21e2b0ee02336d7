"""Card checks before sealing: number, brand, expiry, security code, masked display."""
from datetime import date

import pytest

from storefront.payments.cards import (
    BRAND_NAMES,
    brand_of,
    check_card,
    luhn_ok,
    mask,
    normalise_number,
)

TODAY = date(2026, 5, 14)
VISA = "4111111111111111"


def check(**overrides):
    """check_card with a valid Visa unless overridden."""
    fields = {"number": VISA, "exp_month": 12, "exp_year": 2029, "cvv": "123", "today": TODAY}
    fields.update(overrides)
    return check_card(**fields)


def test_normalise_number_keeps_ascii_digits_only():
    assert normalise_number("4111 1111-1111 1111") == VISA
    assert normalise_number(" 4111111111111111 ") == VISA
    assert normalise_number("4111.1111.1111.1111") == ""
    assert normalise_number("4111 1111 1111 111x") == ""
    assert normalise_number("") == "" and normalise_number(None) == ""
    # Digits of other scripts are digits to str.isdigit, not to a card network.
    assert normalise_number("٤١١١١١١١١١١١١١١١") == ""
    assert normalise_number("４１１１１１１１１１１１１１１１") == ""


def test_luhn():
    assert luhn_ok(VISA) and luhn_ok("378282246310005") and luhn_ok("5555555555554444")
    assert not luhn_ok("4111111111111112")
    assert not luhn_ok("") and not luhn_ok("٤١١١")


@pytest.mark.parametrize(("number", "brand"), [
    ("4111111111111111", "visa"),
    ("4222222222222", "visa"),
    ("4111111111111111110", "visa"),
    ("5555555555554444", "mastercard"),
    ("5105105105105100", "mastercard"),
    ("2221000000000009", "mastercard"),
    ("2720990000000007", "mastercard"),
    ("378282246310005", "amex"),
    ("341111111111111", "amex"),
    ("6011111111111117", "discover"),
    ("6500000000000002", "discover"),
    ("6445644564456445", "discover"),
    ("6491000000000000", "discover"),
])
def test_brand_by_prefix_and_length(number, brand):
    assert brand_of(number) == brand


@pytest.mark.parametrize("number", [
    "411111111111111",      # Visa of 15 digits
    "55555555555544444",    # Mastercard of 17
    "2220990000000000",     # just below the 2-series range
    "2721000000000000",     # just above it
    "37828224631000",       # Amex of 14
    "6430000000000000",     # 643 is not Discover
    "3530111333300000",     # JCB: not a brand we accept
    "",
])
def test_brand_none(number):
    assert brand_of(number) is None


def test_a_valid_card_has_no_errors():
    assert check() == {}
    assert check(number="3782 822463 10005", cvv="1234") == {}
    assert check(exp_month="05", exp_year="2026") == {}


@pytest.mark.parametrize(("number", "words"), [
    ("", "Enter your card number"),
    ("4111 1111 1111 111O", "digits only"),
    ("٤١١١١١١١١١١١١١١١", "digits only"),
    ("411111111111111", "too few or too many"),
    ("41111111111", "too few or too many"),
    ("4111111111111112", "not valid"),
    ("3530111333300000", "We accept Visa, Mastercard, American Express and Discover"),
])
def test_number_errors(number, words):
    errors = check(number=number)
    assert words in errors["number"]
    digits = normalise_number(number)
    assert not digits or digits not in errors["number"]


def test_expiry_this_month_is_valid_and_last_month_is_not():
    assert check(exp_month=5, exp_year=2026) == {}
    assert check(exp_month=4, exp_year=2026) == {
        "expiry": "This card has expired. Please use another card."}
    assert "expired" in check(exp_month=12, exp_year=2025)["expiry"]


@pytest.mark.parametrize(("month", "year", "words"), [
    (0, 2029, "month"), (13, 2029, "month"), ("", 2029, "month"), ("١", 2029, "month"),
    (True, 2029, "month"), (5, 29, "four digits"), (5, "29", "four digits"),
    (5, "２０２９", "four digits"), (5, 2047, "too far ahead"),
])
def test_expiry_errors(month, year, words):
    assert words in check(exp_month=month, exp_year=year)["expiry"]


def test_expiry_twenty_years_ahead_is_accepted():
    assert check(exp_month=12, exp_year=2046) == {}


@pytest.mark.parametrize(("number", "cvv", "ok"), [
    (VISA, "123", True), (VISA, "1234", False), (VISA, "12", False), (VISA, "12a", False),
    (VISA, "١٢٣", False), (VISA, "", False),
    ("378282246310005", "1234", True), ("378282246310005", "123", False),
])
def test_cvv(number, cvv, ok):
    assert ("cvv" not in check(number=number, cvv=cvv)) is ok


def test_cvv_of_an_unknown_number_may_have_3_or_4_digits():
    assert "cvv" not in check(number="nonsense", cvv="1234")
    assert "cvv" in check(number="nonsense", cvv="12")


def test_every_error_at_once():
    assert set(check(number="1", exp_month=0, cvv="")) == {"number", "expiry", "cvv"}


def test_mask_shows_the_first_digit_and_last_four_only():
    assert mask("4", "1111") == "4••• •••• •••• 1111"
    assert mask("3", "0005") == "3••• •••• •••• 0005"
    for first, last in (("41", "1111"), ("4", "111"), ("x", "1111"), ("4", "١١١١")):
        with pytest.raises(ValueError):
            mask(first, last)


def test_every_brand_has_a_name():
    assert BRAND_NAMES == {"visa": "Visa", "mastercard": "Mastercard",
                           "amex": "American Express", "discover": "Discover"}
