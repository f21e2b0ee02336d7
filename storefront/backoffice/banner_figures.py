"""What each banner brought over a period: its clicks (arrivals through it) and the orders and
registrations whose first or last touch was one of those clicks. Counts only.

It reads tracking, orders and accounts together, so it sits in the back office, above them.
"""
from dataclasses import dataclass

from peewee import JOIN, Case, fn

from storefront.accounts.models import Customer
from storefront.orders.models import Order
from storefront.tracking.models import Touch


@dataclass(frozen=True)
class Figures:
    """One banner's counts over a period."""

    clicks: int = 0
    orders: int = 0
    registrations: int = 0


def _came_through(model):
    return (model.first_touch == Touch.id) | (model.last_touch == Touch.id)


def _counted_within(period, moment, counted):
    """COUNT(DISTINCT counted) over the rows whose moment falls within the period."""
    return fn.COUNT(fn.DISTINCT(Case(None, [(period.covers(moment), counted)])))


def banner_figures(period):
    """{banner id: Figures}: the clicks in the period, and the orders placed and accounts
    opened in it through any click on the banner (made in the period or before). An order
    whose first and last touch came through two banners counts for both. One grouped query,
    whatever the number of banners."""
    query = (Touch.select(Touch.banner,
                          _counted_within(period, Touch.at, Touch.id),
                          _counted_within(period, Order.placed_at, Order.id),
                          _counted_within(period, Customer.created_at, Customer.id))
             .join(Order, JOIN.LEFT_OUTER, on=_came_through(Order))
             .switch(Touch)
             .join(Customer, JOIN.LEFT_OUTER, on=_came_through(Customer))
             .where(Touch.banner.is_null(False), Touch.at < period.end)
             .group_by(Touch.banner)
             .tuples())
    return {banner_id: Figures(*counts) for banner_id, *counts in query}
