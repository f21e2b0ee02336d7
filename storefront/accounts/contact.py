"""Checking and normalising contact details: email, phone numbers, postal codes."""
import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email


class ContactError(ValueError):
    """A contact detail is not valid; the message may be shown next to the field."""


# ISO code -> (name, postal code pattern, example). Patterns follow each postal service.
COUNTRIES = {
    "US": ("United States", r"\d{5}(-\d{4})?", "12345 or 12345-6789"),
    "CA": ("Canada", r"[A-Z]\d[A-Z] ?\d[A-Z]\d", "K1A 0B1"),
    "GB": ("United Kingdom", r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}", "SW1A 1AA"),
    "IE": ("Ireland", r"[A-Z]\d[\dW] ?[A-Z\d]{4}", "D02 X285"),
    "FR": ("France", r"\d{5}", "75001"),
    "DE": ("Germany", r"\d{5}", "10115"),
    "NL": ("Netherlands", r"\d{4} ?[A-Z]{2}", "1012 AB"),
    "BE": ("Belgium", r"\d{4}", "1000"),
    "ES": ("Spain", r"\d{5}", "28001"),
    "IT": ("Italy", r"\d{5}", "00118"),
    "AU": ("Australia", r"\d{4}", "2000"),
    "RO": ("Romania", r"\d{6}", "010011"),
}


def normalise_email(raw):
    """(email as it should be stored, lower-cased key for uniqueness); ContactError if invalid."""
    try:
        result = validate_email((raw or "").strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise ContactError(str(error)) from None
    return result.normalized, result.normalized.lower()


def normalise_phone(raw, region):
    """The number in E.164 (+15555550123); ContactError unless it is a valid number."""
    try:
        number = phonenumbers.parse((raw or "").strip(), region)
    except phonenumbers.NumberParseException:
        raise ContactError("Enter a phone number, with the country code if it is abroad.") from None
    if not phonenumbers.is_valid_number(number):
        raise ContactError("This is not a valid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164):
    """An E.164 number formatted for reading."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def normalise_postal_code(raw, country):
    """The postal code upper-cased and checked against the country's format."""
    if country not in COUNTRIES:
        raise ContactError("Choose a country we ship to.")
    code = re.sub(r"\s+", " ", (raw or "").strip().upper())
    _, pattern, example = COUNTRIES[country]
    if not re.fullmatch(pattern, code, re.ASCII):
        raise ContactError(f"This is not a valid postal code for {COUNTRIES[country][0]} "
                           f"(for example {example}).")
    return code
