"""Order rules: readable random numbers, recording an order with its stock taken, lookups."""
import re
import secrets
from dataclasses import dataclass

from peewee import JOIN

from storefront.catalogue.models import Availability, Product
from storefront.db import database
from storefront.mail.models import OutboxMessage, has_key
from storefront.orders.models import Order, OrderAddress, OrderLine
from storefront.orders.signals import order_placed

# Crockford-like: no 0/O, 1/I/L, U, so a number read out on the phone is not misheard.
NUMBER_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
_NUMBER = re.compile(rf"[{NUMBER_ALPHABET}]{{4}}-[{NUMBER_ALPHABET}]{{4}}")


class OutOfStock(Exception):
    """A product sold out while the order was being placed; the message may be shown."""


@dataclass
class LineRequest:
    """A product line to record: what the cart held at the price the shopper saw."""

    product: Product
    quantity: int
    discount_cents: int = 0  # this line's share of a promotion code's discount


@dataclass
class GiftCardLine:
    """A gift card bought in the order (issued by the gift card rules)."""

    amount_cents: int
    recipient_name: str


def new_order_number():
    """Eight random characters as XXXX-XXXX (about 40 bits): short, readable, not guessable,
    and not already an order's."""
    while True:
        raw = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8))
        number = f"{raw[:4]}-{raw[4:]}"
        if not Order.select().where(Order.number == number).exists():
            return number


def normalise_number(raw):
    """An order number as typed (any case, spaces) in its stored form, or '' if it cannot be one."""
    text = re.sub(r"\s+", "", raw or "").upper()
    if len(text) == 8:
        text = f"{text[:4]}-{text[4:]}"
    return text if _NUMBER.fullmatch(text) else ""


def _take_stock(product, quantity):
    """Take quantity from stock with a conditional update; the line's status.

    `stock >= quantity` in the WHERE makes two orders racing for the last units safe on every
    database: the loser's update touches no row.
    """
    if product.availability == Availability.ON_RESERVE:
        still = Product.select().where(Product.id == product.id, Product.is_hidden == False,  # noqa: E712
                                       Product.availability == Availability.ON_RESERVE)
        if not still.exists():
            raise OutOfStock(f"Sorry, {product.name} can no longer be ordered.")
        return OrderLine.ON_RESERVE
    taken = (Product.update(stock=Product.stock - quantity)
             .where(Product.id == product.id, Product.stock >= quantity,
                    Product.availability == Availability.AVAILABLE, Product.is_hidden == False)  # noqa: E712
             .execute())
    if not taken:
        current = Product.get_by_id(product.id)
        if current.availability != Availability.AVAILABLE or current.is_hidden:
            raise OutOfStock(f"Sorry, {product.name} can no longer be ordered.")
        raise OutOfStock(f"Sorry, {product.name} sold out while you were ordering: "
                         f"only {current.stock} left.")
    return OrderLine.ALLOCATED


def record_order(number, customer, email, phone, shipping, billing, shipping_method,
                 shipping_cents, lines, gift_cards, ip, channel=Order.WEB, taken_by=None,
                 attribution=None, promo_code=""):
    """Create the order, its addresses and lines, taking stock; (order, its lines).
    OutOfStock changes nothing.

    shipping and billing are AddressData (shipping None when nothing is posted); attribution
    (partner, first_touch_id, last_touch_id) says where the order came from. A promotion
    code's discount comes with the lines (their discount_cents): the order's merchandise is
    what the shopper pays for it, after the discount, as the lines' totals are.
    Card and gift card payments are added by the caller in the same transaction.
    """
    with database.atomic():
        discount = sum(line.discount_cents for line in lines)
        merchandise = sum(line.product.price_cents * line.quantity for line in lines) + \
            sum(card.amount_cents for card in gift_cards) - discount
        order = Order.create(
            number=number, customer=customer, email=email, phone=phone, channel=channel,
            taken_by=taken_by, shipping_method=shipping_method, merchandise_cents=merchandise,
            shipping_cents=shipping_cents, ip=ip, promo_code=promo_code,
            discount_cents=discount, **(attribution or {}))
        for kind, data in ((OrderAddress.SHIPPING, shipping), (OrderAddress.BILLING, billing)):
            if data is not None:
                OrderAddress.create(order=order, kind=kind, **vars(data))
        recorded = []
        for line in sorted(lines, key=lambda item: item.product.id):  # one lock order for all
            recorded.append(OrderLine.create(
                order=order, product=line.product, sku=line.product.sku, name=line.product.name,
                unit_price_cents=line.product.price_cents, quantity=line.quantity,
                discount_cents=line.discount_cents,
                status=(status := _take_stock(line.product, line.quantity)),
                holds_stock=status == OrderLine.ALLOCATED))
        for card in gift_cards:
            recorded.append(OrderLine.create(
                order=order, kind=OrderLine.GIFT_CARD, name=f"Gift card for {card.recipient_name}",
                unit_price_cents=card.amount_cents, quantity=1, status=OrderLine.SENT))
        order_placed.send(order, lines=recorded)
        return order, recorded


def set_payment(order, gift_card_cents, card_cents, card=None):
    """Record how the order was paid: gift cards, and the card (brand, first digit, last four)."""
    order.gift_card_cents, order.card_cents = gift_card_cents, card_cents
    if card is not None:
        order.card_brand, order.card_first_digit, order.card_last_four = \
            card.brand, card.first_digit, card.last_four
    order.save()


def order_of_customer(customer, raw_number):
    """The customer's order with this number, or None (someone else's is None too)."""
    number = normalise_number(raw_number)
    if not number or customer is None:
        return None
    return Order.get_or_none(Order.number == number, Order.customer == customer)


def order_by_number(raw_number):
    """The order with this number, or None."""
    number = normalise_number(raw_number)
    return Order.get_or_none(Order.number == number) if number else None


def _lines(query):
    return (query.select(OrderLine, Product).join(Product, JOIN.LEFT_OUTER)
            .order_by(OrderLine.kind.desc(), OrderLine.id))  # products first, as recorded


def lines_of(order):
    """The order's lines (with their products), products first."""
    return list(_lines(OrderLine.select().where(OrderLine.order == order)))


def lines_by_order(orders):
    """{order id: its lines} for many orders in one query."""
    grouped = {order.id: [] for order in orders}
    for line in _lines(OrderLine.select().where(OrderLine.order.in_(list(grouped)))):
        grouped[line.order_id].append(line)
    return grouped


def attach_customer(order, customer):
    """A guest order becomes the new customer's (they opened an account after ordering), and
    so does the mail about it that went to the address given with it (an invitation to open
    the account, say): deleting the account then forgets that mail with the account's own."""
    if order.customer_id is None:
        order.customer = customer
        order.save(only=[Order.customer])
        theirs = [row.id for row in OutboxMessage.select(OutboxMessage.id, OutboxMessage.recipient)
                  .where(OutboxMessage.order_number == order.number,
                         OutboxMessage.customer_id.is_null())
                  if has_key(row.recipient, customer.email_key)]
        if theirs:
            OutboxMessage.update(customer_id=customer.id) \
                .where(OutboxMessage.id.in_(theirs)).execute()
