"""Placing the order: nothing is charged without an order, no order exists without its payment.

The steps: check everything that can be checked; claim the order number (a unique row,
committed on its own, so exactly one request talks to the processor for it); authorize the
card (outside any transaction: no row is locked during a network call); then record the
order, its stock, gift cards and payment in one transaction. If recording fails for any
reason, the authorization is voided. A second click on "Place order" finds the claim and
waits for the first click's order instead of racing it.
"""
import logging
import time

from peewee import IntegrityError

from storefront.cart import service as carts
from storefront.cart.models import Cart
from storefront.checkout.service import (CHANGED, CheckoutError, card_for_payment, fingerprint,
                                         precheck_stock, price, ready_to_review, review)
from storefront.db import database, locked
from storefront.giftcards import service as giftcards
from storefront.giftcards.models import GiftCard
from storefront.orders import service as orders
from storefront.orders.models import Order
from storefront.payments import gateway
from storefront.payments import service as payments
from storefront.payments.models import PaymentAttempt

log = logging.getLogger(__name__)
TWIN_WAIT_SECONDS = 15  # longer than an authorization may take (PROCESSOR_TIMEOUT)
IN_PROGRESS = ("This order is already being placed from another click or window. "
               "Please wait a moment and look at your orders.")


def placed(number):
    """The order with this number, or None."""
    return Order.get_or_none(Order.number == number) if number else None


def _claim(number, amount_cents):
    """True when this request is the one that pays for the number."""
    try:
        with database.atomic():
            PaymentAttempt.create(order_number=number, amount_cents=amount_cents)
        return True
    except IntegrityError:
        return False


def _outcome(number, outcome):
    PaymentAttempt.update(outcome=outcome).where(PaymentAttempt.order_number == number).execute()


def _wait_for_twin(number, wait_seconds):
    """The order the other request is placing for this number, once it exists."""
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        order = placed(number)
        if order is not None:
            return order
        if PaymentAttempt.select().where(PaymentAttempt.order_number == number,
                                         PaymentAttempt.outcome != PaymentAttempt.CLAIMED,
                                         PaymentAttempt.outcome != PaymentAttempt.AUTHORIZED
                                         ).exists():
            break  # the other request failed; this one has nothing to wait for
        time.sleep(0.1)
    order = placed(number)
    if order is None:
        raise CheckoutError(IN_PROGRESS)
    return order


def place_order(draft, customer, visitor_id, ip, cvv, reviewed, processor,
                twin_wait_seconds=TWIN_WAIT_SECONDS):
    """Place the order the shopper reviewed; return it.

    reviewed is the fingerprint shown on the review page. Raises CheckoutError (nothing
    placed, nothing charged) or gateway.PaymentError (declined or processor unreachable).
    The same attempt sent twice returns the one order.
    """
    existing = placed(draft.number)
    if existing is not None:
        return existing  # the same POST again: the order already exists
    cart, summary, pricing, gift_card = review(draft, customer, visitor_id)
    if not ready_to_review(draft, summary):
        raise CheckoutError("Please fill in your details first.")
    if not draft.number:  # the payment was chosen again (another tab) since this review
        raise CheckoutError(CHANGED)
    if summary.item_count == 0:
        raise CheckoutError("Your cart is empty.")
    if fingerprint(summary, pricing, draft) != reviewed:
        raise CheckoutError(CHANGED)
    precheck_stock(summary)
    card, cvv_to_send = card_for_payment(draft, customer, cvv) if pricing.card_cents else \
        (None, None)
    if not _claim(draft.number, pricing.card_cents):
        return _wait_for_twin(draft.number, twin_wait_seconds)
    authorization = None
    if card is not None:
        try:
            authorization = processor.authorize(gateway.authorization_request(
                card.sealed, card.exp_month, card.exp_year, pricing.card_cents, draft.number,
                draft.billing["postal_code"], cvv=cvv_to_send))
        except gateway.PaymentDeclined:
            _outcome(draft.number, PaymentAttempt.DECLINED)
            raise
        except gateway.PaymentError:
            _outcome(draft.number, PaymentAttempt.UNAVAILABLE)
            raise
        _outcome(draft.number, PaymentAttempt.AUTHORIZED)
    try:
        return _record(draft, customer, ip, cart, reviewed, gift_card, card, authorization)
    except Exception as error:
        _outcome(draft.number, PaymentAttempt.RELEASED)
        if authorization is not None:
            payments.release(processor, authorization.id, draft.number)
        if isinstance(error, orders.OutOfStock | giftcards.GiftCardError):
            raise CheckoutError(f"{error} Your card was not charged.") from None
        if isinstance(error, CheckoutError):
            raise
        log.exception("order %s could not be recorded; its authorization was released",
                      draft.number)
        raise


def _record(draft, customer, ip, cart, reviewed, gift_card, card, authorization):
    """The order, its stock, gift cards, payment and the emptied cart: all or nothing."""
    with database.atomic():
        cart = locked(Cart.select().where(Cart.id == cart.id)).first()
        summary = carts.summarise(cart)
        pricing = price(summary, draft.method,
                        GiftCard.get_by_id(gift_card.id) if gift_card else None)
        if fingerprint(summary, pricing, draft) != reviewed:
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
        if card is not None and draft.card and draft.card.get("save") and customer is not None:
            payments.save_card(customer, card, draft.card.get("holder_name", ""))
        carts.empty(cart)
        return order
