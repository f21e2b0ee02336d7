"""Fulfilment: shipping all or part of an order, line statuses, and settling the payment.

Money follows the goods (P2): each shipment captures what it delivers (its lines, and the
shipping with the first parcel), after the gift card part of the order is used up; gift cards
bought are captured when they are mailed. When every line is final (delivered, discontinued or
cancelled) the order is settled: what was captured is squared with what was delivered, the
rest of the authorization is released, and a gift card gets back what it paid for goods that
were never delivered.

One shipment or settlement runs at a time per order (a lease on the order row), and a
shipment is recorded as pending before the carrier or the processor is called: if anything
fails midway, shipping again finishes that shipment instead of starting another, and its
capture carries the shipment's reference, so the processor never captures it twice.
"""
import logging
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from storefront.catalogue import service as catalogue
from storefront.catalogue.models import Availability
from storefront.db import database, locked, utcnow
from storefront.fulfilment import carrier as carriers
from storefront.fulfilment.charges import card_due, delivered_value
from storefront.fulfilment import notices
from storefront.fulfilment.models import Shipment, ShipmentLine
from storefront.giftcards import service as giftcards
from storefront.giftcards.models import GiftCardEntry
from storefront.orders import service as orders
from storefront.orders.models import Order, OrderLine
from storefront.payments import gateway
from storefront.payments import service as payments
from storefront.payments.models import Payment

log = logging.getLogger(__name__)
BUSY_FOR = timedelta(minutes=2)  # longer than a carrier call and a capture with their timeouts

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
    """Orders with lines waiting in the warehouse (or a shipment to finish), oldest first."""
    waiting = OrderLine.select(OrderLine.order).where(
        OrderLine.status.in_([OrderLine.ALLOCATED, OrderLine.SHIPPING]))
    return list(Order.select().where(Order.id.in_(waiting)).order_by(Order.placed_at, Order.id))


@contextmanager
def _busy(order):
    """Hold the order for one shipment or settlement at a time, across processes; a lease,
    so a process that died frees it after BUSY_FOR."""
    now = utcnow()
    mine = now + BUSY_FOR
    taken = Order.update(busy_until=mine).where(
        Order.id == order.id, Order.busy_until.is_null() | (Order.busy_until < now)).execute()
    if not taken:
        raise FulfilmentError("Someone is shipping or settling this order right now. "
                              "Please look at it again in a moment.")
    try:
        yield
    finally:  # only this lease: one that expired and was taken by another stays theirs
        Order.update(busy_until=None).where(Order.id == order.id,
                                            Order.busy_until == mine).execute()


def _pending(order):
    return Shipment.get_or_none(Shipment.order == order, Shipment.status == Shipment.PENDING)


def _start(order, line_ids, staff):
    """Claim the lines (allocated → shipping) and record a pending shipment with what it
    will capture; FulfilmentError when they cannot ship."""
    with database.atomic():
        lines = orders.lines_of(order)
        chosen = [line for line in lines if line.kind == OrderLine.PRODUCT
                  and line.status == OrderLine.ALLOCATED
                  and (line_ids is None or line.id in line_ids)]
        if not chosen or (line_ids is not None and len(chosen) != len(set(line_ids))):
            raise FulfilmentError("Choose lines of this order that are waiting to ship.")
        ids = [line.id for line in chosen]
        claimed = OrderLine.update(status=OrderLine.SHIPPING).where(
            OrderLine.id.in_(ids), OrderLine.status == OrderLine.ALLOCATED).execute()
        if claimed != len(ids):
            raise FulfilmentError("Someone else changed these lines meanwhile. "
                                  "Please look at the order again.")
        before = delivered_value(order, lines)
        for line in chosen:
            line.status = OrderLine.SHIPPED  # as it will be, to price the shipment
        after = delivered_value(order, lines)
        weight = sum((line.product.weight_grams if line.product else 0) * line.quantity
                     for line in chosen)
        shipment = Shipment.create(
            order=order, carrier="", parcels=carriers.shipment_request(
                order.address("shipping"), order.phone, weight)["parcel_count"],
            weight_grams=weight, shipped_by=staff,
            captured_cents=card_due(order, after) - card_due(order, before))
        for line in chosen:
            ShipmentLine.create(shipment=shipment, line=line)
        return shipment


def _abandon(shipment):
    """The shipment will not leave: its lines wait again."""
    with database.atomic():
        line_ids = [row.line_id for row in shipment.lines]
        OrderLine.update(status=OrderLine.ALLOCATED).where(
            OrderLine.id.in_(line_ids), OrderLine.status == OrderLine.SHIPPING).execute()
        shipment.delete_instance(recursive=True)


def _finish(shipment, processor, carrier, tracking_template):
    """Carrier, capture, then the shipment recorded with its two emails."""
    order = shipment.order
    if shipment.tracking_number is None:
        try:
            shipment.tracking_number = carrier.create_shipment(carriers.shipment_request(
                order.address("shipping"), order.phone, shipment.weight_grams),
                reference=shipment.reference)
        except Exception as error:
            _abandon(shipment)
            log.exception("the carrier refused order %s's shipment", order.number)
            raise FulfilmentError("The carrier could not take the shipment, so nothing was "
                                  "shipped or charged. Please try again.") from error
        shipment.carrier = carrier.name
        shipment.save(only=[Shipment.tracking_number, Shipment.carrier])
    if shipment.captured_cents > 0:
        try:
            payments.capture(processor, order.number, shipment.captured_cents,
                             reference=shipment.reference)
        except gateway.ProcessorUnavailable:
            raise FulfilmentError(
                "The payment company did not answer, so this shipment is not finished. Ship "
                "again in a moment to finish it: nothing will be captured twice.") from None
        except gateway.PaymentError:
            carrier.cancel_shipment(shipment.tracking_number)
            _abandon(shipment)
            raise
    with database.atomic():
        finished = Shipment.update(status=Shipment.SHIPPED, shipped_at=utcnow()).where(
            Shipment.id == shipment.id, Shipment.status == Shipment.PENDING).execute()
        if not finished:  # another process finished it (its lease had run out): once only
            return
        lines = [row.line for row in shipment.lines]
        OrderLine.update(status=OrderLine.SHIPPED).where(
            OrderLine.id.in_([line.id for line in lines])).execute()
        shipment.status = Shipment.SHIPPED
        all_lines = orders.lines_of(order)
        shipped = [line for line in all_lines if line.id in {line.id for line in lines}]
        notices.shipped(order, shipment, shipped, all_lines)
        notices.tracking(order, shipment, tracking_template)


@dataclass
class Shipped:
    shipment: Shipment
    resumed: bool  # an unfinished earlier shipment was finished instead of a new one
    settle_error: str  # settling afterwards failed ('' when fine): run `orders settle`


def ship(order, line_ids, staff, processor, carrier, tracking_template):
    """Ship the order's waiting lines (all when line_ids is None).

    A shipment left unfinished earlier (the carrier or the processor failed midway) is
    finished first, instead of a new one. A failure to settle afterwards is logged and
    reported: the parcel has left either way.
    """
    with _busy(order):
        pending = _pending(order)
        shipment = pending or _start(order, line_ids, staff)
        _finish(shipment, processor, carrier, tracking_template)
        settle_error = ""
        try:
            _settle(Order.get_by_id(order.id), processor)
        except gateway.PaymentError as error:
            log.exception("order %s shipped but could not be settled", order.number)
            settle_error = str(error)
    return Shipped(shipment, pending is not None, settle_error)


def change_line(order, line_id, status, processor, also_product=False):
    """Set a line to out of stock, discontinued, cancelled or back to allocated; with
    also_product the catalogue product's availability follows. A line cancelled while it
    was allocated gives its units back to stock. The shopper is mailed the new status when
    it is one they are promised news of (P3), and only when it changed."""
    if status not in LINE_CHANGES:
        raise FulfilmentError("That is not a status a line can be set to.")
    with _busy(order):
        with database.atomic():
            line = locked(OrderLine.select().where(OrderLine.id == line_id,
                                                   OrderLine.order == order)).first()
            if line is None or line.kind != OrderLine.PRODUCT:
                raise FulfilmentError("That line is not part of this order.")
            if line.status == status:
                return line  # nothing changed: no mail
            if line.status not in LINE_CHANGES[status]:
                raise FulfilmentError(
                    f"A line that is {line.status_label.lower()} cannot become "
                    f"{OrderLine.STATUS_LABELS[status].lower()}.")
            if status in OrderLine.DROPPED and line.holds_stock and line.product_id:
                catalogue.return_stock(line.product_id, line.quantity)
                line.holds_stock = False
            elif status == OrderLine.ALLOCATED and not line.holds_stock and line.product_id:
                # goods came in: take them from stock when the count has them (goods that
                # arrived for reservations may never have been counted)
                line.holds_stock = catalogue.take_stock(line.product_id, line.quantity)
            line.status = status
            line.save(only=[OrderLine.status, OrderLine.holds_stock])
            if also_product and line.product_id and status in PRODUCT_AVAILABILITY:
                catalogue.set_availability(line.product_id, PRODUCT_AVAILABILITY[status])
            notices.line_status(order, [line])
        _settle(Order.get_by_id(order.id), processor)
    return line


def settle_if_complete(order, processor):
    """Settle the order if every line is final; True when it was settled now."""
    with _busy(order):
        return _settle(Order.get_by_id(order.id), processor)


def _settle(order, processor):
    """Once every line is final: capture or refund so the card paid exactly what it owes,
    release the rest of the authorization, give a gift card back what it paid for goods
    never delivered. Runs once."""
    lines = orders.lines_of(order)
    if order.settled_at is not None or any(line.status not in OrderLine.FINAL
                                           for line in lines):
        return False
    delivered = delivered_value(order, lines)
    payment = payments.refresh(processor, order.number)  # a lost answer leaves no stale copy
    if payment is not None:
        owed = card_due(order, delivered) - payment.captured_cents + payment.refunded_cents
        if owed > 0:
            payment = payments.capture(processor, order.number, owed,
                                       reference=f"{order.number}-settle")
        if payment.status in (Payment.AUTHORIZED, Payment.PARTIALLY_CAPTURED):
            payment = payments.void(processor, order.number)  # release what is left
        if owed < 0:
            payments.refund(processor, order.number, -owed)
    with database.atomic():
        taken = Order.update(settled_at=utcnow()).where(
            Order.id == order.id, Order.settled_at.is_null()).execute()
        if taken:
            _give_back_gift_card(order, delivered)
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
    with _busy(order):
        lines = orders.lines_of(order)
        owed = card_due(order, delivered_value(order, lines))
        if owed > 0:
            payments.capture(processor, order.number, owed, reference=f"{order.number}-mailed")
        _settle(Order.get_by_id(order.id), processor)


def unsettled():
    """Orders whose lines are all final but that were never settled (a capture or a void
    failed, or a process stopped midway): `storefront orders settle --all` settles them."""
    open_lines = OrderLine.select(OrderLine.order).where(OrderLine.status.not_in(
        OrderLine.FINAL))
    return list(Order.select().where(Order.settled_at.is_null(),
                                     Order.id.not_in(open_lines)).order_by(Order.id))
