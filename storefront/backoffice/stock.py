"""Stock and availability as the warehouse sets them, and what follows for open orders (P3).

The catalogue may not import fulfilment, so this top layer joins them. When a product
becomes out of stock or discontinued, the lines of open orders change through
fulfilment.service.change_line, which mails the customer the item's status:

- discontinued: every line of it not shipped yet (being prepared, on reserve, out of stock)
  is discontinued: it will never ship and is not charged (units it held go back to stock);
- out of stock: lines waiting for goods they do not hold (on reserve) become out of stock;
  lines already holding their units keep them and ship as usual.

A line fulfilment cannot change right now (its order is being shipped) is reported; saving
the availability again retries, as lines already changed are left alone.
"""
from dataclasses import dataclass, field

from storefront.catalogue import editing
from storefront.catalogue.models import Availability
from storefront.fulfilment import service as fulfilment
from storefront.orders.models import Order, OrderLine
from storefront.payments import gateway

# availability → (the status open orders' lines take, the statuses of the lines that change)
LINE_STATUS_FOR_AVAILABILITY = {
    Availability.DISCONTINUED: (OrderLine.DISCONTINUED, (
        OrderLine.ALLOCATED, OrderLine.ON_RESERVE, OrderLine.OUT_OF_STOCK)),
    Availability.OUT_OF_STOCK: (OrderLine.OUT_OF_STOCK, (OrderLine.ON_RESERVE,)),
}


@dataclass
class OpenOrderUpdate:
    """What open orders did after an availability change."""

    changed: list = field(default_factory=list)  # order numbers whose line changed
    failed: list = field(default_factory=list)  # (order number, why) to retry


def lines_to_update(product_id, availability):
    """The open orders' lines of the product that change with this availability, with their
    orders, in order of placing."""
    if availability not in LINE_STATUS_FOR_AVAILABILITY:
        return []
    _, statuses = LINE_STATUS_FOR_AVAILABILITY[availability]
    return list(OrderLine.select(OrderLine, Order).join(Order)
                .where(OrderLine.product == product_id, OrderLine.kind == OrderLine.PRODUCT,
                       OrderLine.status.in_(statuses))
                .order_by(Order.placed_at, Order.id, OrderLine.id))


def update_open_order_lines(product, processor):
    """Bring the open orders' lines in line with the product's availability (see above);
    each changed line mails its customer, and an order whose lines are all final is settled
    (the processor releases what will not be charged)."""
    update = OpenOrderUpdate()
    if product.availability not in LINE_STATUS_FOR_AVAILABILITY:
        return update
    status, _ = LINE_STATUS_FOR_AVAILABILITY[product.availability]
    for line in lines_to_update(product.id, product.availability):
        try:
            fulfilment.change_line(line.order, line.id, status, processor)
        except fulfilment.FulfilmentError as error:
            update.failed.append((line.order.number, str(error)))
        except gateway.PaymentError as error:  # the line changed; settling waits
            update.changed.append(line.order.number)
            update.failed.append((line.order.number, f"the line changed, but settling the "
                                                       f"payment failed: {error}"))
        else:
            update.changed.append(line.order.number)
    return update


def change_stock(product, values, staff_id, processor, confirmed=False):
    """Set stock, availability and expected date (and nothing else), then update open
    orders' lines. Discontinuing cancels open orders' lines for good, so it needs confirmed when
    there are any. (SaveResult, OpenOrderUpdate); CatalogueError changes nothing."""
    values = {name: value for name, value in values.items() if name in editing.STOCK_FIELDS}
    becoming = values.get("availability")
    if becoming == Availability.DISCONTINUED != product.availability and not confirmed:
        count = len(lines_to_update(product.id, becoming))
        if count:
            lines = "1 line" if count == 1 else f"{count} lines"
            raise editing.CatalogueError({"confirm": (
                f"Discontinuing cancels {lines} of open orders, and their customers are told "
                "at once. Tick to confirm.")})
    saved = editing.save_product(product, values, staff_id)
    return saved, update_open_order_lines(saved.product, processor)

