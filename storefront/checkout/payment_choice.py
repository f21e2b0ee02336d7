"""The shopper's choice of payment: a saved card, a new card (sealed at once), a gift card
and a promotion code, checked and put into the draft; and the card that pays when the order
is placed."""
import dataclasses
import logging
import re
from dataclasses import dataclass

from storefront.accounts.throttle import Throttled
from storefront.checkout.service import CheckoutError, price
from storefront.db import utcnow
from storefront.giftcards import balance
from storefront.giftcards import service as giftcards
from storefront.marketing import promotions
from storefront.payments import cards
from storefront.payments import service as payments
from storefront.payments.vault import SealedCard, VaultError, load_public_key, seal_card

log = logging.getLogger(__name__)


def looks_like_a_card_number(text):
    """True when the text holds a run of 12 or more digits once spaces and dashes are taken
    out: most likely a card number typed into the wrong field, never to be kept or shown."""
    return re.search(r"[0-9]{12,}", re.sub(r"[\s\-\u2010-\u2015]", "", text or "")) \
        is not None


def choose_promo_code(raw_code, summary, now):
    """The promotion code the shopper typed, when it may be used on this cart now; else
    CheckoutError saying why, next to the field (never repeating a card number)."""
    if looks_like_a_card_number(raw_code):
        raise CheckoutError("That looks like a card number, not a promotion code. The card "
                            "number goes in its own field.", "promo_code")
    code = promotions.find_code(raw_code)
    problem = promotions.problem(code, summary.products_cents, now)
    if problem:
        raise CheckoutError(problem, "promo_code")
    return code


def choose_gift_card(raw_code, summary, ip, secret):
    """The gift card to pay with; CheckoutError with one message for any unusable code.

    Codes are checked through the same throttle as the balance page, so checkout is no
    side door for guessing codes.
    """
    if summary.products_cents == 0:
        raise CheckoutError("A gift card cannot pay for another gift card.", "gift_code")
    try:
        return balance.check_balance(raw_code, ip, secret)
    except (giftcards.GiftCardError, Throttled) as error:
        raise CheckoutError(str(error), "gift_code") from None


def _holds_a_number(text):
    """True when a name has four or more digits: most likely (part of) a card number."""
    return sum(character.isdigit() for character in text) >= 4


def check_new_card(number, exp_month, exp_year, holder_name, today):
    """The card number's digits when a typed card is valid; CheckoutError listing every problem.

    exp_month is None when the expiry could not be read. The CVV is asked for on the review
    page, so it goes straight into the one authorization request and is never kept.
    """
    problems = {}
    if exp_month is None:
        problems["expiry"] = "Enter the expiry date as MM/YY, as printed on the card."
    holder_name = (holder_name or "").strip()
    if not holder_name:
        problems["holder_name"] = "Enter the name as printed on the card."
    elif _holds_a_number(holder_name):  # a number pasted in the wrong field is never kept
        problems["holder_name"] = "Enter the name printed on the card, not its number."
    checks = cards.check_card(number or "", exp_month, exp_year, None, today)
    for field in ("number", "expiry"):
        if field in checks:
            problems.setdefault(field, checks[field])
    if problems:
        raise CheckoutError(next(iter(problems.values())), errors=problems)
    return cards.normalise_number(number)


@dataclass(frozen=True)
class NewCard:
    """A card typed on the payment step. Its number is never kept: choose_payment seals it at
    once, and it is left out of repr (tracebacks, logs)."""

    number: str = dataclasses.field(default="", repr=False)
    exp_month: int | None = None  # None: the expiry could not be read
    exp_year: int | None = None
    holder_name: str = ""
    save: bool = False


def choose_payment(draft, summary, customer, choice, new_card, *, ip, secret, today,
                   public_key_file, gift_code="", promo_code="", now=None):
    """Put the shopper's payment choice and promotion code into the draft; CheckoutError on
    any problem.

    choice is "new" (then new_card, a NewCard, pays) or the id of a saved card of the
    customer. A new card's number is sealed here, at once: only the sealed form, brand, first
    digit, last four and expiry go on.
    """
    draft.forget_payment()
    promo = choose_promo_code(promo_code, summary, now or utcnow()) if promo_code.strip() \
        else None
    draft.promo_code = promo.code if promo else ""
    gift_card = choose_gift_card(gift_code, summary, ip, secret) if gift_code.strip() else None
    draft.gift_card_id = gift_card.id if gift_card else None
    if price(summary, draft.method, gift_card, promo).card_cents == 0:
        return
    if choice != "new":
        if not isinstance(choice, int) or payments.saved_card(customer, choice) is None:
            raise CheckoutError("Choose how to pay.", "pay_with")
        draft.saved_card_id = choice
        return
    digits = check_new_card(new_card.number, new_card.exp_month, new_card.exp_year,
                            new_card.holder_name, today)
    try:
        public_key = load_public_key(public_key_file)
    except VaultError as error:
        log.error("card payments unavailable: %s", error)
        raise CheckoutError("Card payments are unavailable right now. Please try again "
                            "later, or order by phone.") from None
    sealed = seal_card(digits, new_card.exp_month, new_card.exp_year, public_key)
    draft.card = {**vars(sealed), "holder_name": new_card.holder_name.strip(),
                  "save": bool(new_card.save and customer is not None)}


def card_for_payment(draft, customer, cvv):
    """(SealedCard, cvv to send) for the draft's chosen card; CheckoutError if none is usable."""
    if draft.saved_card_id is not None:
        saved = payments.saved_card(customer, draft.saved_card_id)
        if saved is None:
            raise CheckoutError("That saved card is no longer on your account. "
                                "Please choose how to pay again.")
        return SealedCard(saved.sealed, saved.first_digit, saved.last_four, saved.brand,
                          saved.exp_month, saved.exp_year), None
    card = draft.sealed_card()
    if card is not None:
        problem = cards.check_cvv(cvv, card.brand)
        if problem:
            raise CheckoutError(problem, "cvv")
        return card, cvv
    raise CheckoutError("Choose how to pay: a card, or a gift card that covers the order.")
