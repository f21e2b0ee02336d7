"""Report data built straight from the models (fast): visitors with touches, page views,
orders with lines and a shipping address."""
from datetime import datetime
from itertools import count

import pytest

from storefront.orders.models import Order, OrderAddress, OrderLine
from storefront.partners.models import Partner
from storefront.reports.period import Period
from storefront.tracking.models import Banner, PageView, Touch, Visitor

from tests.factories import make_category, make_product

MAY = Period(datetime(2024, 5, 1).date(), datetime(2024, 5, 31).date())
SPRING = Period(datetime(2024, 3, 1).date(), datetime(2024, 5, 31).date())
_serial = count(1)


def make_partner(slug="acme", **overrides):
    fields = {"slug": slug, "name": slug.title(), "privacy_url": f"https://{slug}.example/p"}
    fields.update(overrides)
    return Partner.create(**fields)


def make_banner(placement="Home hero", campaign="", partner=None):
    return Banner.create(placement=placement, campaign=campaign, partner=partner)


def make_visitor(at, source="", banner=None, partner=None, first_seen=None, utm_source=""):
    """A visitor whose first and last touch is one arrival at `at`."""
    key = f"visitor-key-{next(_serial):06d}"
    touch = Touch.create(visitor=key, source=source, banner=banner, partner=partner,
                         utm_source=utm_source, landing_path="/", at=at)
    Visitor.create(key=key, first_seen=first_seen or at, last_seen=at, first_touch=touch,
                   last_touch=touch)
    return key, touch


def view_pages(visitor, times, partner=None, path="/"):
    PageView.insert_many([{"visitor": visitor, "path": path, "partner": partner, "at": at}
                          for at in times]).execute()


def make_order(at, email=None, lines=(), partner=None, touch=None, last_touch=None,
               region="IL", postal_code="62701", country="US"):
    """An order placed at `at`; lines are (product, quantity, unit cents[, status])."""
    serial = next(_serial)
    merchandise = sum(line[1] * line[2] for line in lines)
    order = Order.create(number=f"RPT-{serial:05d}", email=email or f"buyer{serial}@example.com",
                         shipping_method="standard", merchandise_cents=merchandise,
                         shipping_cents=500, placed_at=at, partner=partner, first_touch=touch,
                         last_touch=last_touch or touch, phone="+12175550100", ip="203.0.113.9")
    for product, quantity, cents, *status in lines:
        OrderLine.create(order=order, product=product, sku=product.sku, name=product.name,
                         unit_price_cents=cents, quantity=quantity,
                         status=status[0] if status else OrderLine.SHIPPED)
    OrderAddress.create(order=order, kind="shipping", name=f"Secret Person {serial}",
                        line1=f"{serial} Hidden Lane", city="Springfield", region=region,
                        postal_code=postal_code, country=country)
    return order


@pytest.fixture
def catalogue(db):
    """Two categories with one product each."""
    lamps, rugs = make_category(name="Lamps"), make_category(name="Rugs")
    return {"lamp": make_product(lamps, name="Brass Lamp"),
            "rug": make_product(rugs, name="Wool Rug")}
