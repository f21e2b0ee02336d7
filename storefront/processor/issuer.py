"""The sandbox's card issuer: which test card approves, declines or fails, as payment companies
document their test numbers."""
from dataclasses import dataclass

from storefront.payments.cards import brand_of, expired, luhn_ok


@dataclass(frozen=True)
class SandboxCard:
    """A documented test number and what the sandbox answers for it."""

    number: str
    brand: str
    outcome: str  # "approved", "declined" or "error"
    code: str | None
    description: str


TEST_CARDS = (
    SandboxCard("4111111111111111", "visa", "approved", None, "approves"),
    SandboxCard("5555555555554444", "mastercard", "approved", None, "approves"),
    SandboxCard("378282246310005", "amex", "approved", None, "approves"),
    SandboxCard("4000000000000002", "visa", "declined", "card_declined",
                "declines: card declined"),
    SandboxCard("4000000000009995", "visa", "declined", "insufficient_funds",
                "declines: insufficient funds"),
    SandboxCard("4000000000000119", "visa", "error", "processing_error",
                "the processor answers 500 (processing error)"),
)
_BY_NUMBER = {card.number: card for card in TEST_CARDS}


@dataclass(frozen=True)
class Decision:
    """The issuer's answer to one authorization."""

    outcome: str
    code: str | None
    brand: str


def decide(number, exp_month, exp_year, cvv, today):
    """Approve, decline (with a code) or fail one authorization of a test card."""
    brand = brand_of(number) or "other"
    if not (number.isascii() and number.isdigit() and 12 <= len(number) <= 19
            and luhn_ok(number)):
        return Decision("declined", "incorrect_number", brand)
    if expired(exp_month, exp_year, today):
        return Decision("declined", "expired_card", brand)
    if cvv is not None and len(cvv) != (4 if brand == "amex" else 3):
        return Decision("declined", "incorrect_cvc", brand)
    card = _BY_NUMBER.get(number)
    if card is None:
        return Decision("approved", None, brand)
    return Decision(card.outcome, card.code, brand)
