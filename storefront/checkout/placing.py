"""Placing the order: nothing is charged without an order, no order exists without its payment.

The steps: check everything that can be checked; claim the order number (payments.attempts:
exactly one request talks to the processor for it); authorize the card (outside any
transaction: no row is locked during a network call); then record the order, its stock, gift
cards and payment in one transaction. If recording fails for any reason, the authorization is
voided before anything else is tried. A second click on "Place order" waits for the first
one's order, or tells the shopper what the first one was told.
"""
import logging
import time

from peewee import DatabaseError

from storefront.cart import service as carts
from storefront.checkout.payment_choice import card_for_payment
from storefront.checkout.service import (CHANGED, CheckoutError, fingerprint, precheck_stock,
                                         price, promo_of, ready_to_review, review)
from storefront.db import database, utcnow
from storefront.fulfilment import notices
from storefront.fulfilment import service as fulfilment
from storefront.giftcards import service as giftcards
from storefront.giftcards.models import GiftCard
from storefront.marketing import promotions
from storefront.orders import service as orders
from storefront.orders.models import Order, OrderLine
from storefront.payments import attempts, gateway
from storefront.payments import service as payments
from storefront.payments.models import PaymentAttempt

log = logging.getLogger(__name__)
NOT_RECORDED = ("We could not record your order just now, and your card was not charged. "
                "Please try again in a moment.")


class StillPlacing(CheckoutError):
    """Another request is placing this very order; its result will show in a moment."""


def placed(number):
    """The order with this number, or None."""
    return Order.get_or_none(Order.number == number) if number else None


def _wait_for_twin(number, wait_seconds):
    """The order the other request placed for this number, or its failure as a CheckoutError."""
    deadline = time.monotonic() + wait_seconds
    while True:
        order = placed(number)
        if order is not None:
            return order
        failure = attempts.failure_of(number)
        if failure is not None:
            raise CheckoutError(failure)
        if time.monotonic() >= deadline:
            raise StillPlacing("This order is still being placed from another click or "
                               "window. Please wait a moment and place it again: it will not "
                               "be charged twice.")
        time.sleep(0.1)


def twin_wait(config):
    """How long a second click on "Place order" waits for the first one's order: an
    authorization, its void by reference after a timeout, and the database's busy timeout;
    gunicorn's 30 s timeout is the ceiling."""
    return min(2 * config["PROCESSOR_TIMEOUT"] + 12, 25)


def place_order(draft, customer, visitor_id, ip, cvv, reviewed, processor, twin_wait_seconds,
                attribution=None, taken_by=None):
    """Place the order the shopper reviewed; return it.

    reviewed is the fingerprint shown on the review page. Raises CheckoutError (nothing
    placed, nothing charged) or gateway.PaymentError (declined or processor unreachable).
    The same attempt sent twice returns the one order. taken_by (a TakenByPhone) places an
    order a care associate takes on the phone: its channel is phone, it names the associate,
    and it keeps no IP address (the associate's is not the customer's).
    """
    existing = placed(draft.number)
    if existing is not None:
        return existing  # the same POST again: the order already exists
    now = utcnow()
    cart, summary, pricing, gift_card = review(draft, customer, visitor_id, now, taken_by)
    if not ready_to_review(draft, summary):
        raise CheckoutError("Please fill in your details first.")
    if not draft.number:  # the payment was chosen again (another tab) since this review
        raise CheckoutError(CHANGED)
    if summary.item_count == 0:
        raise CheckoutError("Your cart is empty.")
    promo_problem = promo_of(draft, summary, now)[1]
    if promo_problem:
        raise CheckoutError(f"{promo_problem} Please change the payment to remove it.")
    if fingerprint(summary, pricing, draft) != reviewed:
        raise CheckoutError(CHANGED)
    precheck_stock(summary)
    card, cvv_to_send = card_for_payment(draft, customer, cvv) if pricing.card_cents else \
        (None, None)
    if not attempts.claim(draft.number, pricing.card_cents):
        return _wait_for_twin(draft.number, twin_wait_seconds)
    authorization = _authorize(processor, draft, card, cvv_to_send, pricing.card_cents)
    try:
        order = _record(draft, customer, "" if taken_by else ip, cart.id, reviewed, gift_card,
                        card, authorization, attribution, taken_by)
    except BaseException as error:
        replacement = _undo(processor, draft.number, authorization, error)
        if replacement is error:
            raise
        raise replacement from error
    if summary.gift_cards:  # the same as recorded: the fingerprint was checked again
        _collect(order, processor)
    return order


def _collect(order, processor):
    """Capture what was delivered at once (gift cards go by email). The order stands either
    way: a capture that fails now is made when the order settles."""
    try:
        fulfilment.collect_at_placing(order, processor)
    except Exception:  # the order stands; `storefront orders settle --all` finishes it
        log.exception("order %s: capturing its gift cards failed; settled later", order.number)


def _authorize(processor, draft, card, cvv, amount_cents):
    """The processor's authorization for the amount, or None when no card pays."""
    if card is None:
        return None
    try:
        authorization = processor.authorize(gateway.authorization_request(
            card.sealed, card.exp_month, card.exp_year, amount_cents, draft.number,
            draft.billing["postal_code"], cvv=cvv))
    except gateway.PaymentError as error:
        outcome = PaymentAttempt.DECLINED if isinstance(error, gateway.PaymentDeclined) else \
            PaymentAttempt.UNAVAILABLE
        attempts.failed(draft.number, outcome, error.customer_message)
        raise
    if authorization.amount_cents != amount_cents:  # a partial approval: not what was reviewed
        raise _undo(processor, draft.number, authorization,
                    CheckoutError("Your card was approved for part of the amount only, so "
                                  "nothing was charged. Please use another card."))
    return authorization


def _undo(processor, number, authorization, error):
    """Void the authorization (first of all), note the failure; the error to raise."""
    voided = payments.release(processor, authorization.id, number) if authorization else True
    if isinstance(error, orders.OutOfStock | giftcards.GiftCardError):
        error = CheckoutError(f"{error} Your card was not charged.")
    elif isinstance(error, DatabaseError):
        log.exception("order %s could not be recorded", number)
        error = CheckoutError(NOT_RECORDED)
    if not voided:
        error = gateway.OutcomeUnconfirmed(f"order {number}: the void failed")
    message = error.customer_message if isinstance(error, gateway.PaymentError) else str(error)
    attempts.failed(number, PaymentAttempt.RELEASED, message)
    return error


def _record(draft, customer, ip, cart_id, reviewed, gift_card, card, authorization,
            attribution, taken_by):
    """The order, its stock, gift cards, promotion code use, payment and the emptied cart: all
    or nothing."""
    with database.atomic():
        cart = carts.lock(cart_id)
        summary = carts.summarise(cart)
        promo = promotions.find_code(draft.promo_code) if draft.promo_code else None
        pricing = price(summary, draft.method,
                        GiftCard.get_by_id(gift_card.id) if gift_card else None, promo)
        if fingerprint(summary, pricing, draft) != reviewed:
            raise CheckoutError(CHANGED)
        if promo is not None:  # the last use may have gone to another order meanwhile
            problem = promotions.use(promo, summary.products_cents, utcnow())
            if problem:
                raise CheckoutError(f"{problem} Your order was not placed.", "promo_code")
        discounts = promotions.spread(pricing.discount_cents, [
            line.product.price_cents * line.quantity for line in summary.lines])
        order, order_lines = orders.record_order(
            draft.number, customer, draft.email, draft.phone, draft.address("shipping"),
            draft.address("billing"), pricing.shipping.code, pricing.shipping.cents,
            [orders.LineRequest(line.product, line.quantity, discount)
             for line, discount in zip(summary.lines, discounts, strict=True)],
            [orders.GiftCardLine(c.amount_cents, c.recipient_name) for c in summary.gift_cards],
            ip, attribution=attribution, promo_code=pricing.promo_code,
            channel=Order.PHONE if taken_by else Order.WEB,
            taken_by=taken_by.staff_id if taken_by else None)
        if pricing.gift_card_cents:
            giftcards.redeem(gift_card.id, pricing.gift_card_cents, order.number)
        for bought in summary.gift_cards:
            giftcards.issue(bought.amount_cents, bought.recipient_name, bought.recipient_email,
                            bought.sender_name, bought.message, order.number)
        orders.set_payment(order, pricing.gift_card_cents, pricing.card_cents, card)
        if authorization is not None:
            payments.record_authorization(order.number, authorization)
        if card is not None and draft.card and draft.card.get("save") and customer is not None:
            payments.save_card(customer, card, draft.card.get("holder_name", ""))
        if any(line.status == OrderLine.ON_RESERVE for line in order_lines):
            notices.line_status(order, order_lines)  # P3: items on reserve, told at once
        carts.empty(cart)
        return order
