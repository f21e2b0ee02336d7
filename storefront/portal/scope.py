"""The one gate for every query a partner user can cause (P16).

A partner sees its own customers (Customer.partner is the partner) and its co-branded orders
(Order.partner is the partner), and of them only what is listed here: a customer's name,
email, city, region, country, day phone and registration date; an order's number, date,
lines, totals and line statuses. Never card data, correspondence, IP addresses, street
addresses, nor any customer of the shop's own or of another partner. Without a partner
(None) every function answers nothing. The portal's views read data through these functions
only.
"""
from dataclasses import dataclass
from datetime import datetime

from peewee import JOIN

from storefront.accounts.models import Address, Customer, Phone
from storefront.orders.models import Order, OrderLine


@dataclass(frozen=True)
class PartnerCustomer:
    """What a partner may see of one of its customers."""

    id: int
    name: str
    email: str
    city: str
    region: str
    country: str
    day_phone: str
    registered_at: datetime


@dataclass(frozen=True)
class PartnerLine:
    """One line of a co-branded order, as a partner sees it."""

    name: str
    sku: str
    quantity: int
    unit_price_cents: int
    total_cents: int
    status: str


@dataclass(frozen=True)
class PartnerOrder:
    """A co-branded order; its customer only when that customer is the partner's own."""

    number: str
    placed_at: datetime
    customer_id: int | None
    customer_name: str
    merchandise_cents: int
    shipping_cents: int
    total_cents: int
    lines: tuple


def _customers_query(partner):
    shipping = (Address.customer == Customer.id) & (Address.kind == Address.SHIPPING)
    day = (Phone.customer == Customer.id) & (Phone.kind == Phone.DAY)
    return (Customer
            .select(Customer.id, Customer.name, Customer.email, Customer.created_at,
                    Address.city, Address.region, Address.country, Phone.number)
            .join(Address, JOIN.LEFT_OUTER, on=shipping)
            .switch(Customer).join(Phone, JOIN.LEFT_OUTER, on=day)
            .where(Customer.partner == partner.id)
            .order_by(Customer.created_at.desc(), Customer.id.desc()))


def _customer(row):
    return PartnerCustomer(row["id"], row["name"], row["email"], row["city"] or "",
                           row["region"] or "", row["country"] or "", row["number"] or "",
                           row["created_at"])


def customers(partner):
    """The partner's own customers, newest first."""
    if partner is None:
        return []
    return [_customer(row) for row in _customers_query(partner).dicts()]


def customer(partner, customer_id):
    """One of the partner's own customers, or None (unknown, or not the partner's)."""
    if partner is None:
        return None
    row = _customers_query(partner).where(Customer.id == customer_id).dicts().first()
    return _customer(row) if row else None


def _orders(partner, condition=None):
    if partner is None:
        return []
    query = (Order
             .select(Order.id, Order.number, Order.placed_at, Order.merchandise_cents,
                     Order.shipping_cents, Customer.id.alias("customer_id"),
                     Customer.name.alias("customer_name"))
             .join(Customer, JOIN.LEFT_OUTER,
                   on=(Order.customer == Customer.id) & (Customer.partner == partner.id))
             .where(Order.partner == partner.id)
             .order_by(Order.placed_at.desc(), Order.id.desc()))
    if condition is not None:
        query = query.where(condition)
    rows = list(query.dicts())
    lines = {}
    if rows:
        for line in (OrderLine.select().where(OrderLine.order.in_([row["id"] for row in rows]))
                     .order_by(OrderLine.id)):
            lines.setdefault(line.order_id, []).append(PartnerLine(
                line.name, line.sku, line.quantity, line.unit_price_cents, line.total_cents,
                line.status_label))
    return [PartnerOrder(row["number"], row["placed_at"], row["customer_id"],
                         row["customer_name"] or "", row["merchandise_cents"],
                         row["shipping_cents"],
                         row["merchandise_cents"] + row["shipping_cents"],
                         tuple(lines.get(row["id"], ()))) for row in rows]


def orders(partner):
    """The partner's co-branded orders, newest first."""
    return _orders(partner)


def orders_of(partner, customer_id):
    """The co-branded orders of one of the partner's own customers."""
    return _orders(partner, (Order.customer == customer_id) & (Customer.id.is_null(False)))


def order(partner, number):
    """One co-branded order of the partner by its number, or None."""
    if not isinstance(number, str) or len(number) > 16:
        return None
    found = _orders(partner, Order.number == number)
    return found[0] if found else None
