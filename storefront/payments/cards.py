"""Card checks made before anything is sealed: number, brand, expiry, security code.

Pure functions: no database, no processor. Messages are for the shopper and never repeat the
number.
"""
from datetime import date

BRAND_NAMES = {
    "visa": "Visa",
    "mastercard": "Mastercard",
    "amex": "American Express",
    "discover": "Discover",
}
BRAND_LENGTHS = {"visa": (13, 16, 19), "mastercard": (16,), "amex": (15,), "discover": (16,)}
# A card is accepted this many years ahead at most; further is taken for a typing mistake.
MAX_YEARS_AHEAD = 20


def _digits_only(text):
    """True when text is one or more ASCII digits (str.isdigit alone accepts '٣' and '³')."""
    return bool(text) and text.isascii() and text.isdigit()


def normalise_number(text):
    """The card number without spaces and dashes, or "" when anything else is in it."""
    digits = (text or "").replace(" ", "").replace("-", "")
    return digits if _digits_only(digits) else ""


def luhn_ok(digits):
    """True when the digits pass the Luhn check digit test."""
    if not _digits_only(digits):
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _brand_by_prefix(digits):
    """The brand the issuer prefix belongs to, whatever the length."""
    if digits.startswith("4"):
        return "visa"
    if digits[:2] in ("34", "37"):
        return "amex"
    if "51" <= digits[:2] <= "55" or (len(digits) >= 4 and "2221" <= digits[:4] <= "2720"):
        return "mastercard"
    if digits.startswith(("6011", "65")) or (len(digits) >= 3 and "644" <= digits[:3] <= "649"):
        return "discover"
    return None


def brand_of(digits):
    """"visa", "mastercard", "amex" or "discover" by issuer prefix and length, else None."""
    if not _digits_only(digits):
        return None
    brand = _brand_by_prefix(digits)
    return brand if brand and len(digits) in BRAND_LENGTHS[brand] else None


def _number_error(text):
    """What is wrong with the card number, or None."""
    if not (text or "").strip():
        return "Enter your card number."
    digits = normalise_number(text)
    if not digits:
        return "Enter the card number using digits only (spaces and dashes are fine)."
    prefix_brand = _brand_by_prefix(digits)
    if (prefix_brand and len(digits) not in BRAND_LENGTHS[prefix_brand]) \
            or not 12 <= len(digits) <= 19:
        return "This card number has too few or too many digits. Please check it."
    if not luhn_ok(digits):
        return "This card number is not valid. Please check it for typing mistakes."
    if brand_of(digits) is None:
        names = list(BRAND_NAMES.values())
        return f"We accept {', '.join(names[:-1])} and {names[-1]} cards."
    return None


def _as_int(value):
    """An int from an int or a string of ASCII digits, else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _digits_only(value.strip()):
        return int(value.strip())
    return None


def expired(exp_month, exp_year, today: date):
    """True once the card's expiry month is over: a card works to the last day of that month."""
    return (exp_year, exp_month) < (today.year, today.month)


def _expiry_error(exp_month, exp_year, today):
    """What is wrong with the expiry date, or None."""
    month, year = _as_int(exp_month), _as_int(exp_year)
    if month is None or not 1 <= month <= 12:
        return "Enter the expiry month as a number from 1 to 12."
    if year is None or not 1000 <= year <= 9999:
        return f"Enter the expiry year with four digits, such as {today.year + 3}."
    if expired(month, year, today):
        return "This card has expired. Please use another card."
    if year > today.year + MAX_YEARS_AHEAD:
        return "That expiry year is too far ahead. Please check it."
    return None


def check_cvv(cvv, brand):
    """What is wrong with the security code for a card of this brand, or None."""
    code = (cvv or "").strip()
    if brand == "amex":
        if not (_digits_only(code) and len(code) == 4):
            return "Enter the 4-digit security code printed on the front of your card."
    elif brand is not None:
        if not (_digits_only(code) and len(code) == 3):
            return "Enter the 3-digit security code from the back of your card."
    elif not (_digits_only(code) and len(code) in (3, 4)):
        return "Enter the 3- or 4-digit security code from your card."
    return None


def _cvv_error(cvv, number_text):
    """What is wrong with the security code, or None."""
    return check_cvv(cvv, _brand_by_prefix(normalise_number(number_text)))


def check_card(number, exp_month, exp_year, cvv, today):
    """Field name ("number", "expiry", "cvv") to a message for the shopper; empty when valid."""
    errors = {
        "number": _number_error(number),
        "expiry": _expiry_error(exp_month, exp_year, today),
        "cvv": _cvv_error(cvv, number),
    }
    return {field: message for field, message in errors.items() if message}


def mask(first_digit, last_four):
    """A card as the shop may show it: `4••• •••• •••• 1111` (all it knows of the number)."""
    if not (_digits_only(first_digit) and len(first_digit) == 1
            and _digits_only(last_four) and len(last_four) == 4):
        raise ValueError("mask needs one first digit and the last four digits")
    return f"{first_digit}••• •••• •••• {last_four}"
