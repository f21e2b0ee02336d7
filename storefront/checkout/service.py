"""Checkout rules before the order: details, pricing, and what the review shows.

The choice of payment is in payment_choice.py; placing the order itself is in placing.py.
"""
import hashlib
import json
from dataclasses import dataclass

from storefront.accounts.contact import ContactError, normalise_email, normalise_phone, \
    normalise_postal_code
from storefront.accounts import service as accounts
from storefront.cart import service as carts
from storefront.catalogue.models import Availability
from storefront.checkout import shipping
from storefront.db import database, utcnow
from storefront.giftcards.models import GiftCard
from storefront.marketing import promotions
from storefront.orders import service as orders
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


def promo_of(draft, summary, now):
    """(the draft's promotion code or None, why it no longer applies or '')."""
    if not draft.promo_code:
        return None, ""
    code = promotions.find_code(draft.promo_code)
    problem = promotions.problem(code, summary.products_cents, now)
    return (None, problem) if problem else (code, "")


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
    built in. That cart is the order's own, never the customer's: the customer's own cart
    stays as they left it, and a caller with no account needs none."""

    staff_id: int
    cart_key: str


def review(draft, customer, visitor_id, now=None, taken_by=None):
    """(cart, summary, pricing, gift card or None) for the review page and for placing; the
    draft's promotion code counts only while it applies (promo_of says why not). taken_by (a
    TakenByPhone): the order is built in its cart, not the customer's."""
    cart = carts.find_cart(taken_by.cart_key, None) if taken_by else \
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


def open_account_from_order(order, password, ip, *, address_proven=False):
    """A guest's order becomes an account: its name, email, addresses and phone, and the
    order in it, with the mail about it sent to its address; one transaction. AccountError
    (e.g. the email has an account) changes nothing.

    address_proven: the address came from a signed link mailed to it, so the attempt counts
    toward no registration throttle (see accounts.register_customer)."""
    billing = order.address("billing")
    delivery = order.address("shipping") or billing
    with database.atomic():
        customer = accounts.register_customer(
            billing.name, order.email, password, accounts.AddressData.of(delivery),
            accounts.AddressData.of(billing), order.phone, "", ip,
            attribution={"partner": order.partner_id, "first_touch_id": order.first_touch_id,
                         "last_touch_id": order.last_touch_id}, address_proven=address_proven)
        orders.attach_customer(order, customer)
    return customer
