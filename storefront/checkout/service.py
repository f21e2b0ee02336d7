"""Checkout rules before the order: details, pricing, and the choice of payment.

Placing the order itself is in placing.py.
"""
import hashlib
import json
import logging
from dataclasses import dataclass

from storefront.accounts.contact import ContactError, normalise_email, normalise_phone, \
    normalise_postal_code
from storefront.accounts import service as accounts
from storefront.accounts.throttle import Throttled
from storefront.cart import service as carts
from storefront.catalogue.models import Availability
from storefront.checkout import shipping
from storefront.db import database, utcnow
from storefront.giftcards import balance
from storefront.giftcards import service as giftcards
from storefront.giftcards.models import GiftCard
from storefront.marketing import promotions
from storefront.orders import service as orders
from storefront.payments import cards
from storefront.payments import service as payments
from storefront.payments.vault import SealedCard, VaultError, load_public_key, seal_card

log = logging.getLogger(__name__)
CHANGED = "Your order changed since you reviewed it (the cart, a price or a gift card balance). " \
    "Please check it again."


class CheckoutError(Exception):
    """A checkout rule was broken: errors maps form fields to messages ('' is the form)."""

    def __init__(self, message, field="", errors=None):
        super().__init__(message)
        self.errors = dict(errors or {field: message})


@dataclass
class Pricing:
    products_cents: int
    gift_cards_bought_cents: int
    shipping: shipping.ShippingMethod
    gift_card_cents: int  # paid with a gift card
    discount_cents: int = 0  # a promotion code's, off the products only
    promo_code: str = ""

    @property
    def total_cents(self):
        """Products less the discount, gift cards bought and shipping."""
        return self.products_cents - self.discount_cents + self.gift_cards_bought_cents + \
            self.shipping.cents

    @property
    def card_cents(self):
        """What is left for the card to pay."""
        return self.total_cents - self.gift_card_cents


def _checked(errors, field, check, *args):
    try:
        return check(*args)
    except ContactError as error:
        errors.setdefault(field, str(error))
        return None


def check_details(email, phone, shipping_address, billing_address, method_code, summary,
                  region):
    """Normalised details for the draft; CheckoutError listing every problem by field.

    shipping_address is None when nothing is posted (only gift cards in the cart).
    """
    errors = {}
    normalised_email = _checked(errors, "email", normalise_email, email)
    normalised_phone = _checked(errors, "phone", normalise_phone, phone, region)
    for prefix, address in (("shipping", shipping_address), ("billing", billing_address)):
        if address is not None:
            code = _checked(errors, f"{prefix}-postal_code", normalise_postal_code,
                            address.postal_code, address.country)
            address.postal_code = code or address.postal_code
    if shipping.method(method_code, summary.products_cents, summary.needs_shipping) is None:
        errors["method"] = "Choose a shipping method."
    if errors:
        raise CheckoutError(next(iter(errors.values())), errors=errors)
    return {"email": normalised_email[0], "phone": normalised_phone,
            "shipping": vars(shipping_address) if shipping_address else None,
            "billing": vars(billing_address),
            "method": method_code if summary.needs_shipping else shipping.EMAIL_DELIVERY.code}


def price(summary, method_code, gift_card=None, promo=None):
    """The order's amounts; a promotion code takes its discount off the products only; a gift
    card pays at most for the discounted products and shipping (never for gift cards bought
    in the same order).

    Free standard shipping looks at the products before the discount: the shipping price
    chosen on the details step stays as it was when a code is entered afterwards.
    """
    method = shipping.method(method_code, summary.products_cents, summary.needs_shipping) \
        or shipping.METHODS["standard"]
    gift_cards_bought = sum(card.amount_cents for card in summary.gift_cards)
    discount = promotions.discount(promo, summary.products_cents) if promo else 0
    payable_by_gift_card = summary.products_cents - discount + method.cents
    applied = min(gift_card.balance_cents, payable_by_gift_card) if gift_card else 0
    return Pricing(summary.products_cents, gift_cards_bought, method, max(applied, 0),
                   discount, promo.code if promo else "")


def fingerprint(summary, pricing, draft):
    """A digest of what the shopper reviewed (lines, prices, delivery, who pays what and with
    which card): any change after the review is noticed before anything is charged."""
    card = draft.sealed_card()
    content = [[(line.product.id, line.quantity, line.product.price_cents)
                for line in summary.lines],
               [(card.id, card.amount_cents) for card in summary.gift_cards],
               pricing.shipping.code, pricing.shipping.cents, pricing.gift_card_cents,
               pricing.card_cents, pricing.promo_code, pricing.discount_cents, draft.number,
               draft.shipping, draft.billing, draft.email,
               draft.saved_card_id, draft.gift_card_id,
               [card.brand, card.last_four, card.exp_month, card.exp_year] if card else None]
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:32]


def choose_promo_code(raw_code, summary, now):
    """The promotion code the shopper typed, when it may be used on this cart now; else
    CheckoutError saying why, next to the field."""
    code = promotions.find_code(raw_code)
    problem = promotions.problem(code, summary.products_cents, now)
    if problem:
        raise CheckoutError(problem, "promo_code")
    return code


def promo_of(draft, summary, now):
    """(the draft's promotion code or None, why it no longer applies or '')."""
    if not draft.promo_code:
        return None, ""
    code = promotions.find_code(draft.promo_code)
    problem = promotions.problem(code, summary.products_cents, now)
    return (None, problem) if problem else (code, "")


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


def choose_payment(draft, summary, customer, choice, new_card, gift_code, ip, secret, today,
                   public_key_file, promo_code="", now=None):
    """Put the shopper's payment choice and promotion code into the draft; CheckoutError on
    any problem.

    choice is "new" or the id of a saved card of the customer; new_card is a dict with
    number, exp_month, exp_year, holder_name and save. A new card's number is sealed here,
    at once: only the sealed form, brand, first digit, last four and expiry go on.
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
    digits = check_new_card(new_card["number"], new_card["exp_month"], new_card["exp_year"],
                            new_card["holder_name"], today)
    try:
        public_key = load_public_key(public_key_file)
    except VaultError as error:
        log.error("card payments unavailable: %s", error)
        raise CheckoutError("Card payments are unavailable right now. Please try again "
                            "later, or order by phone.") from None
    sealed = seal_card(digits, new_card["exp_month"], new_card["exp_year"], public_key)
    draft.card = {**vars(sealed), "holder_name": new_card["holder_name"].strip(),
                  "save": bool(new_card["save"] and customer is not None)}


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


def precheck_stock(summary):
    """CheckoutError when a line cannot be ordered now (before anything is charged)."""
    for line in summary.lines:
        product = line.product
        if product.is_hidden or not product.orderable:
            raise CheckoutError(f"{product.name} can no longer be ordered. "
                                "Please remove it from your cart.")
        if product.availability == Availability.AVAILABLE and product.stock < line.quantity:
            raise CheckoutError(f"Only {product.stock} of {product.name} left. "
                                "Please change the quantity in your cart.")


@dataclass(frozen=True)
class TakenByPhone:
    """An order a care associate takes on the phone (P21): who takes it, and the cart it is
    built in. That cart is the associate's, not the customer's: the customer's own cart stays
    as they left it, and a caller with no account needs none."""

    staff_id: int
    cart_key: str


def review(draft, customer, visitor_id, now=None, phone=None):
    """(cart, summary, pricing, gift card or None) for the review page and for placing; the
    draft's promotion code counts only while it applies (promo_of says why not)."""
    cart = carts.find_cart(phone.cart_key, None) if phone else \
        carts.find_cart(visitor_id, customer)
    summary = carts.summarise(cart)
    gift_card = GiftCard.get_or_none(GiftCard.id == draft.gift_card_id) \
        if draft.gift_card_id else None
    promo = promo_of(draft, summary, now or utcnow())[0]
    return cart, summary, price(summary, draft.method, gift_card, promo), gift_card


def ready_to_review(draft, summary):
    """True when the draft has what this cart needs: details, and a shipping address and
    method when something is posted."""
    if not draft.has_details:
        return False
    if summary.needs_shipping:
        return bool(draft.shipping) and draft.method in shipping.METHODS
    return True


def reserve_number(draft):
    """Give the draft the order number this attempt will use; True when it got a new one."""
    if draft.number:
        return False
    draft.number = orders.new_order_number()
    return True


def open_account_from_order(order, password, ip):
    """A guest's order becomes an account: its name, email, addresses and phone, and the
    order in it; one transaction. AccountError (e.g. the email has an account) changes
    nothing."""
    billing = order.address("billing")
    delivery = order.address("shipping") or billing
    with database.atomic():
        customer = accounts.register_customer(
            billing.name, order.email, password, accounts.AddressData.of(delivery),
            accounts.AddressData.of(billing), order.phone, "", ip,
            attribution={"partner": order.partner_id, "first_touch_id": order.first_touch_id,
                         "last_touch_id": order.last_touch_id})
        orders.attach_customer(order, customer)
    return customer

