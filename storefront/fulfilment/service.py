"""Fulfilment: shipping all or part of an order, line statuses, and settling the payment.

Money follows the goods (P2): the card is captured for what has been delivered (shipped
lines, shipping with the first parcel, gift cards when they are mailed), after the gift card
part of the order is used up. When every line of an order is final (delivered, discontinued
or cancelled) the order is settled: the rest of the authorization is released and what a gift
card paid for undelivered goods goes back onto it.
"""
from storefront.catalogue.models import Availability, Product
from storefront.db import database, locked, utcnow
from storefront.fulfilment import carrier as carriers
from storefront.fulfilment import notices
from storefront.fulfilment.models import Shipment, ShipmentLine
from storefront.giftcards import service as giftcards
from storefront.giftcards.models import GiftCardEntry
from storefront.orders import service as orders
from storefront.orders.models import Order, OrderLine
from storefront.payments import service as payments
from storefront.payments.models import Payment

# What staff may set a line to, from which statuses.
LINE_CHANGES = {
    OrderLine.OUT_OF_STOCK: (OrderLine.ALLOCATED, OrderLine.ON_RESERVE),
    OrderLine.DISCONTINUED: (OrderLine.ALLOCATED, OrderLine.ON_RESERVE, OrderLine.OUT_OF_STOCK),
    OrderLine.CANCELLED: (OrderLine.ALLOCATED, OrderLine.ON_RESERVE, OrderLine.OUT_OF_STOCK),
    OrderLine.ALLOCATED: (OrderLine.ON_RESERVE, OrderLine.OUT_OF_STOCK),  # the goods came in
}
PRODUCT_AVAILABILITY = {OrderLine.OUT_OF_STOCK: Availability.OUT_OF_STOCK,
                        OrderLine.DISCONTINUED: Availability.DISCONTINUED}


class FulfilmentError(Exception):
    """A fulfilment rule was broken; the message may be shown to staff."""


def orders_to_ship():
    """Orders with lines waiting in the warehouse, oldest first."""
    waiting = OrderLine.select(OrderLine.order).where(OrderLine.status == OrderLine.ALLOCATED)
    return list(Order.select().where(Order.id.in_(waiting)).order_by(Order.placed_at, Order.id))


def _lines(order):
    return orders.lines_of(order)


def _delivered_value(lines, order):
    """What the goods delivered so far are worth, with shipping once a parcel has left."""
    delivered = [line for line in lines if line.status in OrderLine.DELIVERED]
    parcel_left = any(line.kind == OrderLine.PRODUCT for line in delivered)
    return sum(line.total_cents for line in delivered) + \
        (order.shipping_cents if parcel_left else 0)


def _card_due(order, delivered_value):
    """What the card owes for that value: the gift card part is used first."""
    return max(0, min(order.card_cents, delivered_value - order.gift_card_cents))


def _capture_due(processor, order, lines):
    """Capture what the card owes and has not paid yet; the amount captured."""
    payment = Payment.get_or_none(Payment.order_number == order.number)
    if payment is None:
        return 0
    owed = _card_due(order, _delivered_value(lines, order)) - payment.captured_cents
    if owed > 0:
        payments.capture(processor, order.number, owed)
    return max(owed, 0)


def ship(order, line_ids, staff, processor, carrier, tracking_template):
    """Ship the order's waiting lines (all of them when line_ids is None); the Shipment.

    The lines are claimed first (allocated → shipped, conditionally, so two people shipping
    at once cannot ship a line twice), then the carrier and the capture are called, then the
    shipment and its two emails are recorded. A failure puts the lines back.
    """
    lines = [line for line in _lines(order) if line.kind == OrderLine.PRODUCT
             and line.status == OrderLine.ALLOCATED
             and (line_ids is None or line.id in line_ids)]
    if not lines or (line_ids is not None and len(lines) != len(set(line_ids))):
        raise FulfilmentError("Choose lines of this order that are waiting to ship.")
    ids = [line.id for line in lines]
    with database.atomic():
        claimed = OrderLine.update(status=OrderLine.SHIPPED).where(
            OrderLine.id.in_(ids), OrderLine.status == OrderLine.ALLOCATED).execute()
        if claimed != len(ids):
            raise FulfilmentError("Someone else changed these lines meanwhile. "
                                  "Please look at the order again.")
    try:
        address = order.address("shipping")
        weight = sum((line.product.weight_grams if line.product else 0) * line.quantity
                     for line in lines)
        request = carriers.shipment_request(address, order.phone, weight)
        tracking_number = carrier.create_shipment(request)
        captured = _capture_due(processor, order, _lines(order))
    except BaseException:
        OrderLine.update(status=OrderLine.ALLOCATED).where(OrderLine.id.in_(ids)).execute()
        raise
    with database.atomic():
        shipment = Shipment.create(order=order, carrier=carrier.name,
                                   tracking_number=tracking_number,
                                   parcels=request["parcel_count"], weight_grams=weight,
                                   captured_cents=captured, shipped_by=staff)
        for line in lines:
            ShipmentLine.create(shipment=shipment, line=line)
            line.status = OrderLine.SHIPPED
        notices.shipped(order, shipment, lines, _lines(order))
        notices.tracking(order, shipment, tracking_template)
    settle_if_complete(order, processor)
    return shipment


def change_line(order, line_id, status, staff, processor, also_product=False):
    """Set a line to out of stock, discontinued, cancelled or back to allocated; with
    also_product the catalogue product's availability follows. The shopper is mailed the
    new status when it is one they are promised news of (P3), and only when it changed."""
    if status not in LINE_CHANGES:
        raise FulfilmentError("That is not a status a line can be set to.")
    with database.atomic():
        line = locked(OrderLine.select().where(OrderLine.id == line_id,
                                               OrderLine.order == order)).first()
        if line is None or line.kind != OrderLine.PRODUCT:
            raise FulfilmentError("That line is not part of this order.")
        if line.status == status:
            return line  # nothing changed: no mail
        if line.status not in LINE_CHANGES[status]:
            raise FulfilmentError(f"A line that is {line.status_label.lower()} cannot become "
                                  f"{OrderLine.STATUS_LABELS[status].lower()}.")
        line.status = status
        line.save(only=[OrderLine.status])
        if also_product and line.product_id and status in PRODUCT_AVAILABILITY:
            Product.update(availability=PRODUCT_AVAILABILITY[status]) \
                .where(Product.id == line.product_id).execute()
        notices.line_status(order, [line])
    settle_if_complete(order, processor)
    return line


def settle_if_complete(order, processor):
    """Once every line is final: capture what is owed, release the rest of the authorization
    and give a gift card back what it paid for goods that were not delivered. Runs once."""
    order = Order.get_by_id(order.id)
    lines = _lines(order)
    if order.settled_at is not None or any(line.status not in OrderLine.FINAL
                                           for line in lines):
        return False
    _capture_due(processor, order, lines)
    payment = Payment.get_or_none(Payment.order_number == order.number)
    if payment is not None and payment.status in (Payment.AUTHORIZED,
                                                  Payment.PARTIALLY_CAPTURED):
        payments.void(processor, order.number)
    with database.atomic():
        taken = Order.update(settled_at=utcnow()).where(
            Order.id == order.id, Order.settled_at.is_null()).execute()
        if taken:
            _give_back_gift_card(order, _delivered_value(lines, order))
    return bool(taken)


def _give_back_gift_card(order, delivered_value):
    unused = order.gift_card_cents - min(order.gift_card_cents, delivered_value)
    for entry in GiftCardEntry.select().where(GiftCardEntry.order_number == order.number,
                                              GiftCardEntry.kind == GiftCardEntry.REDEEMED):
        amount = min(unused, -entry.amount_cents)
        if amount > 0:
            giftcards.restore(entry.gift_card_id, amount, order.number)
            unused -= amount


def collect_at_placing(order, processor):
    """Right after an order is placed: capture its gift cards (they were mailed at once) and
    settle an order that was gift cards only."""
    lines = _lines(order)
    _capture_due(processor, order, lines)
    settle_if_complete(order, processor)
