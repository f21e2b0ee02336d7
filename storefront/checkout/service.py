"""Checkout rules: details, pricing, payment choice, and placing the order.

Placing follows one order of steps so nothing is charged without an order and no order exists
without its payment: check everything that can be checked, authorize the card at the
processor (outside any transaction: no row is locked during a network call), then record the
order, its stock, gift cards and payment in one transaction. If that transaction fails
(a product sold out meanwhile), the authorization is voided. The order number reserved on
the review page is the processor's order reference, so a double click or a replayed POST
gets the same authorization back and records one order.
"""
import hashlib
import json
from dataclasses import dataclass

from peewee import IntegrityError

from storefront.accounts.contact import ContactError, normalise_email, normalise_phone, \
    normalise_postal_code
from storefront.accounts.throttle import Throttled
from storefront.cart import service as carts
from storefront.cart.models import Cart
from storefront.catalogue.models import Availability
from storefront.checkout import shipping
from storefront.db import database, locked
from storefront.giftcards import balance
from storefront.giftcards import service as giftcards
from storefront.giftcards.models import GiftCard
from storefront.orders import service as orders
from storefront.orders.models import Order
from storefront.payments import cards, gateway
from storefront.payments import service as payments
from storefront.payments.vault import SealedCard

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

    @property
    def total_cents(self):
        """Products, gift cards bought and shipping."""
        return self.products_cents + self.gift_cards_bought_cents + self.shipping.cents

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


def price(summary, method_code, gift_card=None):
    """The order's amounts; a gift card pays at most for products and shipping (never for
    gift cards bought in the same order)."""
    method = shipping.method(method_code, summary.products_cents, summary.needs_shipping) \
        or shipping.METHODS["standard"]
    gift_cards_bought = sum(card.amount_cents for card in summary.gift_cards)
    payable_by_gift_card = summary.products_cents + method.cents
    applied = min(gift_card.balance_cents, payable_by_gift_card) if gift_card else 0
    return Pricing(summary.products_cents, gift_cards_bought, method, max(applied, 0))


def fingerprint(summary, pricing):
    """A digest of what the shopper reviewed: a change after the review is noticed."""
    content = [[(line.product.id, line.quantity, line.product.price_cents)
                for line in summary.lines],
               [(card.id, card.amount_cents) for card in summary.gift_cards],
               pricing.shipping.code, pricing.shipping.cents, pricing.gift_card_cents,
               pricing.card_cents]
    return hashlib.sha256(json.dumps(content).encode()).hexdigest()[:32]


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


def check_new_card(number, exp_month, exp_year, holder_name, today):
    """The card number's digits when a typed card is valid; CheckoutError listing every problem.

    exp_month is None when the expiry could not be read. The CVV is asked for on the review
    page, so it goes straight into the one authorization request and is never kept.
    """
    problems = {}
    if not (number or "").strip():
        problems["number"] = "Enter the card number."
    if exp_month is None:
        problems["expiry"] = "Enter the expiry date as MM/YY, as printed on the card."
    if not (holder_name or "").strip():
        problems["holder_name"] = "Enter the name as printed on the card."
    digits = cards.normalise_number(number)
    checks = cards.check_card(digits, exp_month, exp_year, None, today)
    for field in ("number", "expiry"):
        if field in checks:
            problems.setdefault(field, checks[field])
    if problems:
        raise CheckoutError(next(iter(problems.values())), errors=problems)
    return digits


def _card_for_payment(draft, customer, cvv):
    """(SealedCard, cvv to send) for the draft's chosen card; CheckoutError if none is usable."""
    if draft.saved_card_id is not None:
        saved = payments.saved_card(customer, draft.saved_card_id)
        if saved is None:
            raise CheckoutError("That saved card is no longer on your account. "
                                "Please choose how to pay again.")
        return SealedCard(saved.sealed, saved.first_digit, saved.last_four, saved.brand,
                          saved.exp_month, saved.exp_year), None
    if draft.card:
        card = SealedCard(**{k: v for k, v in draft.card.items()
                             if k in SealedCard.__dataclass_fields__})
        problem = cards.check_cvv(cvv, card.brand)
        if problem:
            raise CheckoutError(problem, "cvv")
        return card, cvv
    raise CheckoutError("Choose how to pay: a card, or a gift card that covers the order.")


def _precheck_stock(summary):
    for line in summary.lines:
        product = line.product
        if not product.orderable:
            raise CheckoutError(f"{product.name} can no longer be ordered. "
                                "Please remove it from your cart.")
        if product.availability == Availability.AVAILABLE and product.stock < line.quantity:
            raise CheckoutError(f"Only {product.stock} of {product.name} left. "
                                "Please change the quantity in your cart.")


def review(draft, customer, visitor_id):
    """(cart summary, pricing, gift card or None) for the review page and for placing."""
    cart = carts.find_cart(visitor_id, customer)
    summary = carts.summarise(cart)
    gift_card = GiftCard.get_or_none(GiftCard.id == draft.gift_card_id) \
        if draft.gift_card_id else None
    return cart, summary, price(summary, draft.method, gift_card), gift_card


def _placed(number):
    return Order.get_or_none(Order.number == number) if number else None


def place_order(draft, customer, visitor_id, ip, cvv, reviewed, processor):
    """Place the order the shopper reviewed; return it.

    reviewed is the fingerprint shown on the review page. Raises CheckoutError (nothing
    placed, nothing charged) or gateway.PaymentError (declined or processor unreachable).
    The same attempt sent twice returns the one order, even when the second request arrives
    while the first empties the cart.
    """
    try:
        return _place(draft, customer, visitor_id, ip, cvv, reviewed, processor)
    except CheckoutError:
        existing = _placed(draft.number)
        if existing is None:
            raise
        return existing


def _place(draft, customer, visitor_id, ip, cvv, reviewed, processor):
    existing = _placed(draft.number)
    if existing is not None:
        return existing  # the same POST again: the order already exists
    if not draft.has_details or not draft.number:
        raise CheckoutError("Please fill in your details first.")
    cart, summary, pricing, gift_card = review(draft, customer, visitor_id)
    if summary.item_count == 0:
        raise CheckoutError("Your cart is empty.")
    if fingerprint(summary, pricing) != reviewed:
        raise CheckoutError(CHANGED)
    _precheck_stock(summary)
    card, authorization = None, None
    if pricing.card_cents > 0:
        card, cvv_to_send = _card_for_payment(draft, customer, cvv)
        authorization = processor.authorize(gateway.authorization_request(
            card.sealed, card.exp_month, card.exp_year, pricing.card_cents, draft.number,
            draft.billing["postal_code"], cvv=cvv_to_send))
    try:
        return _record(draft, customer, ip, cart, reviewed, gift_card, card, authorization)
    except IntegrityError:
        existing = _placed(draft.number)
        if existing is None:
            raise
        return existing  # a double click: the other request recorded it
    except (orders.OutOfStock, giftcards.GiftCardError, CheckoutError) as error:
        existing = _placed(draft.number)
        if existing is not None:
            # A second click found the cart already emptied by the first, which recorded the
            # order: the authorization is that order's own (same reference), keep it.
            return existing
        if authorization is not None:
            payments.release(processor, authorization.id, draft.number)
        message = str(error) if isinstance(error, CheckoutError) else \
            f"{error} Your card was not charged."
        raise CheckoutError(message) from None


def _record(draft, customer, ip, cart, reviewed, gift_card, card, authorization):
    """The order, its stock, gift cards, payment and the emptied cart: all or nothing."""
    with database.atomic():
        cart = locked(Cart.select().where(Cart.id == cart.id)).first()
        summary = carts.summarise(cart)
        pricing = price(summary, draft.method,
                        GiftCard.get_by_id(gift_card.id) if gift_card else None)
        if fingerprint(summary, pricing) != reviewed:
            raise CheckoutError(CHANGED)
        order = orders.record_order(
            draft.number, customer, draft.email, draft.phone, draft.address("shipping"),
            draft.address("billing"), pricing.shipping.code, pricing.shipping.cents,
            [orders.LineRequest(line.product, line.quantity) for line in summary.lines],
            [orders.GiftCardLine(c.amount_cents, c.recipient_name) for c in summary.gift_cards],
            ip)
        if pricing.gift_card_cents:
            giftcards.redeem(gift_card.id, pricing.gift_card_cents, order.number)
        for bought in summary.gift_cards:
            giftcards.issue(bought.amount_cents, bought.recipient_name, bought.recipient_email,
                            bought.sender_name, bought.message, order.number)
        orders.set_payment(order, pricing.gift_card_cents, pricing.card_cents, card)
        if authorization is not None:
            payments.record_authorization(order.number, authorization)
        if draft.card and draft.card.get("save") and customer is not None:
            payments.save_card(customer, card, draft.card.get("holder_name", ""))
        carts.empty(cart)
        return order
