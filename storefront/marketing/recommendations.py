""""Customers who bought this also bought" (P11): counts kept as orders are placed, read
with one indexed query.

Placing an order adds one to BoughtTogether for each ordered pair of distinct products in
it (both directions) that the same buyer (account, else email address) never bought together
before, in the order's own transaction: a count is of buyers, not orders, so one shopper
ordering a pair again and again can never lift it over the threshold alone.
A product page reads its top others from the (product, orders) index; My Account sums the
counts of what the customer bought. Neither scans orders. A pair counted in fewer than
REPORT_MIN_CELL buyers is never shown: it could point at one shopper's basket.

The catalogue and accounts pages know nothing of marketing: init_app connects the receiver
to orders' `order_placed` signal and gives templates `also_bought(product)` and
`suggested_for_you()`, which answer nothing to a customer who turned personalization off.
"""
import logging
from itertools import permutations

from flask import current_app
from peewee import fn

from storefront.accounts.current import current_customer, personalizing
from storefront.catalogue.models import Availability, Product
from storefront.db import database
from storefront.marketing.models import BoughtTogether
from storefront.orders.models import Order, OrderLine
from storefront.orders.signals import order_placed
from storefront.web.memo import TimedCache

log = logging.getLogger(__name__)
SHOWN = 4
ROWS_PER_INSERT = 100  # 3 parameters a row: well under SQLite's oldest limit of 999
CARD_FIELDS = (Product.id, Product.slug, Product.name, Product.price_cents)
_lists = TimedCache()


def count_pairs(product_ids, already=frozenset()):
    """Add one to every ordered pair of distinct products (an upsert per pair), except the
    pairs in `already` (the buyer's earlier orders held them: a buyer counts once).

    Rows go in (product, other) order, so two orders upserting the same pairs lock them in
    the same order and cannot deadlock.
    """
    rows = [{"product": a, "other": b, "orders": 1}
            for a, b in sorted(permutations(sorted(set(product_ids)), 2))
            if (a, b) not in already]
    for start in range(0, len(rows), ROWS_PER_INSERT):
        (BoughtTogether.insert_many(rows[start:start + ROWS_PER_INSERT])
         .on_conflict(conflict_target=[BoughtTogether.product, BoughtTogether.other],
                      update={BoughtTogether.orders: BoughtTogether.orders + 1})
         .execute())


def _shown():
    """Products a recommendation may name: visible and orderable."""
    return (Product.is_hidden == False) & Product.availability.in_(Availability.ORDERABLE)  # noqa: E712


def also_bought(product_id, min_orders, limit=SHOWN):
    """The products ordered with this one in at least min_orders orders, most often first
    (one query)."""
    return list(Product.select(*CARD_FIELDS)
                .join(BoughtTogether, on=(BoughtTogether.other == Product.id))
                .where(BoughtTogether.product == product_id,
                       BoughtTogether.orders >= min_orders, _shown())
                .order_by(BoughtTogether.orders.desc(), Product.id)
                .limit(limit))


def suggestions(customer_id, min_orders, limit=SHOWN):
    """Products ordered with what the customer bought (each pair in at least min_orders
    orders), leaving out what they already bought; the strongest first (one query)."""
    bought = (OrderLine.select(OrderLine.product).join(Order)
              .where(Order.customer == customer_id, OrderLine.product.is_null(False)))
    score = fn.SUM(BoughtTogether.orders)
    return list(Product.select(*CARD_FIELDS)
                .join(BoughtTogether, on=(BoughtTogether.other == Product.id))
                .where(BoughtTogether.product.in_(bought), BoughtTogether.orders >= min_orders,
                       Product.id.not_in(bought), _shown())
                .group_by(*CARD_FIELDS)
                .order_by(score.desc(), Product.id)
                .limit(limit))


def _count_order(order, lines, **extra):
    """order_placed receiver: count the order's pairs in a savepoint, so that a failure
    undoes only the counts and the order still commits."""
    product_ids = [line.product_id for line in lines if line.product_id is not None]
    if len(set(product_ids)) < 2:
        return
    try:
        with database.atomic():
            count_pairs(product_ids, _pairs_bought_before(order))
    except Exception:  # a recommendation must never cost an order
        log.exception("bought-together counts of order %s not updated", order.number)


def _pairs_bought_before(order):
    """The ordered pairs the same buyer (account, else email address) already bought
    together in an earlier order: one query over that buyer's orders' lines."""
    buyer = (Order.customer == order.customer_id) if order.customer_id is not None \
        else (fn.LOWER(Order.email) == order.email.lower())
    by_order = {}
    for line in (OrderLine.select(OrderLine.order, OrderLine.product).join(Order)
                 .where(buyer, Order.id != order.id, OrderLine.product.is_null(False))):
        by_order.setdefault(line.order_id, set()).add(line.product_id)
    return {pair for products in by_order.values() for pair in permutations(products, 2)}


def _also_bought_here(product):
    """For the product page: cached per product like the page's details; [] when the
    signed-in customer turned personalization off."""
    if not personalizing():
        return []
    config = current_app.config
    return _lists.get(("also-bought", product.id), config["CACHE_SECONDS"],
                      lambda: also_bought(product.id, config["REPORT_MIN_CELL"]))


def _suggested_for_you():
    """For My Account: suggestions from the signed-in customer's orders, if they want them."""
    customer = current_customer()
    if customer is None or not customer.personalized:
        return []
    return suggestions(customer.id, current_app.config["REPORT_MIN_CELL"])


def init_app(app):
    """Count pairs as orders are placed; let product pages and My Account show the lists."""
    order_placed.connect(_count_order)
    app.add_template_global(_also_bought_here, "also_bought")
    app.add_template_global(_suggested_for_you, "suggested_for_you")
