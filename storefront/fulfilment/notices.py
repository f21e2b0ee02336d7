"""The emails the policy promises about an order (P2, P3), and no others.

Each is written to the outbox inside the transaction of the change it reports.
"""
from storefront.fulfilment.carrier import tracking_url
from storefront.fulfilment.charges import totals
from storefront.mail import outbox
from storefront.orders.models import OrderLine

NEXT_STEP = {
    OrderLine.ON_RESERVE: "We will ship it as soon as it arrives; you pay for it only then.",
    OrderLine.OUT_OF_STOCK: "We are waiting for new stock and will ship it when it comes in; "
                            "you pay for it only then.",
    OrderLine.DISCONTINUED: "It is no longer made, so we have cancelled it: you will not pay "
                            "for it.",
    OrderLine.CANCELLED: "We have cancelled it: you will not pay for it.",
}


def _send(order, category, subject, template, **context):
    """Mail about the order to its mail address (Order.mail_address); none when its account
    was deleted."""
    recipient = order.mail_address
    if recipient is not None:
        outbox.enqueue(recipient, category, subject, template, customer=order.customer,
                       order_number=order.number, order=order, **context)


def shipped(order, shipment, shipped_lines, all_lines):
    """P2 (1): the shipment confirmation, itemized (the tracking email follows)."""
    waiting = any(line.status not in OrderLine.FINAL for line in all_lines)
    _send(order, "shipment", f"Order {order.number} has shipped", "shipped",
          shipment=shipment, shipped=shipped_lines, lines=all_lines, more_to_come=waiting,
          totals=totals(order, all_lines))


def tracking(order, shipment, template):
    """P2 (2): the carrier's tracking number and link."""
    _send(order, "tracking", f"Tracking number for order {order.number}", "tracking",
          shipment=shipment, link=tracking_url(template, shipment.tracking_number))


def line_status(order, changed_lines):
    """P3: the lines on reserve, out of stock or discontinued, each with what happens next.
    Nothing is sent when no line needs telling."""
    noted = [line for line in changed_lines if line.status in OrderLine.NEEDS_NOTICE]
    if noted:
        _send(order, "line_status", f"About some items of order {order.number}",
              "line_status", lines=noted, next_step=NEXT_STEP)
