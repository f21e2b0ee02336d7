"""With at least k people in every cell, the reports count exactly."""
from datetime import datetime

from storefront.orders.models import OrderLine
from storefront.reports import service
from storefront.reports.scope import WHOLE_SHOP

from tests.reports.conftest import MAY, SPRING, make_banner, make_order, make_visitor, view_pages


def values(report):
    """{labels: values} with totals under None labels."""
    return {row.labels: row.values for row in report.rows}


def test_sales_by_category_and_month_counts_orders_units_and_cents(catalogue):
    lamp, rug = catalogue["lamp"], catalogue["rug"]
    for day in range(1, 11):  # ten May buyers of two lamps each, one also buys a rug
        extra = [(rug, 1, 9900)] if day == 1 else []
        make_order(datetime(2024, 5, day, 12), lines=[(lamp, 2, 2500), *extra])
    for day in range(1, 12):  # eleven more May buyers of one rug; a cancelled lamp is not sold
        make_order(datetime(2024, 5, day, 15), lines=[(rug, 1, 9900),
                                                      (lamp, 3, 2500, OrderLine.CANCELLED)])
    for day in range(1, 11):  # ten April buyers of one lamp
        make_order(datetime(2024, 4, day, 9), lines=[(lamp, 1, 2400)])
    make_order(datetime(2024, 6, 1), lines=[(lamp, 1, 2500)])  # after the period

    report = service.sales_by_category_month(SPRING, WHOLE_SHOP, min_cell=10)
    got = values(report)
    assert got[("2024-05", "Lamps")] == {"orders": 10, "units": 20, "revenue_cents": 50000}
    assert got[("2024-05", "Rugs")] == {"orders": 12, "units": 12, "revenue_cents": 118800}
    assert got[("2024-04", "Lamps")] == {"orders": 10, "units": 10, "revenue_cents": 24000}
    assert got[("2024-05", None)] == {"orders": 21, "units": 32, "revenue_cents": 168800}
    assert got[(None, "Lamps")] == {"orders": 20, "units": 30, "revenue_cents": 74000}
    assert got[(None, None)] == {"orders": 31, "units": 42, "revenue_cents": 192800}
    assert [row.labels for row in report.rows] == [
        ("2024-04", "Lamps"), ("2024-04", None), ("2024-05", "Lamps"), ("2024-05", "Rugs"),
        ("2024-05", None), (None, "Lamps"), (None, "Rugs"), (None, None)]


def test_conversion_by_source_and_banner_first_and_last_touch(db):
    hero = make_banner("Home hero", "Spring")
    touches = {}
    for n in range(20):
        _key, touch = make_visitor(datetime(2024, 5, 2, 10, n), source="newsletter",
                                   banner=hero)
        touches.setdefault("newsletter", []).append(touch)
    for n in range(10):
        _key, touch = make_visitor(datetime(2024, 5, 3, 10, n), utm_source="mailer")
        touches.setdefault("mailer", []).append(touch)
    # Ten newsletter visitors order (one of them twice); the last touch of each is the mailer.
    for n, touch in enumerate(touches["newsletter"][:10]):
        make_order(datetime(2024, 5, 4), email=f"n{n}@example.com", touch=touch,
                   last_touch=touches["mailer"][n])
    make_order(datetime(2024, 5, 5), email="n0@example.com", touch=touches["newsletter"][0],
               last_touch=touches["mailer"][0])

    first = values(service.conversion_by_source(MAY, WHOLE_SHOP, "first", min_cell=10))
    assert first[("newsletter",)] == {"visitors": 20, "orders": 11, "conversion": 50.0}
    assert first[("mailer (utm)",)] == {"visitors": 10, "orders": 0, "conversion": 0.0}
    assert first[(None,)] == {"visitors": 30, "orders": 11, "conversion": 33.3}
    last = values(service.conversion_by_source(MAY, WHOLE_SHOP, "last", min_cell=10))
    assert last[("mailer (utm)",)] == {"visitors": 10, "orders": 11, "conversion": 100.0}
    banners = values(service.conversion_by_banner(MAY, WHOLE_SHOP, "first", min_cell=10))
    assert banners == {("Home hero · Spring",): {"visitors": 20, "orders": 11,
                                                 "conversion": 50.0},
                       (None,): {"visitors": 20, "orders": 11, "conversion": 50.0}}


def test_traffic_by_day_and_hour_and_new_versus_returning(db):
    for n in range(12):  # twelve visitors new on 2 May, each with three views at 9:xx
        key, _ = make_visitor(datetime(2024, 5, 2, 9, n))
        view_pages(key, [datetime(2024, 5, 2, 9, n, s) for s in range(3)])
        if n < 10:  # ten of them come back on 3 May at 14:xx
            view_pages(key, [datetime(2024, 5, 3, 14, n)])
    for _ in range(10):  # ten visitors first seen in April, back on 3 May
        key, _ = make_visitor(datetime(2024, 4, 1, 8), first_seen=datetime(2024, 4, 1, 8))
        view_pages(key, [datetime(2024, 5, 3, 14, 30)])

    days = values(service.traffic_by_day(MAY, WHOLE_SHOP, min_cell=10))
    assert days == {("2024-05-02",): {"page_views": 36, "visitors": 12},
                    ("2024-05-03",): {"page_views": 20, "visitors": 20},
                    (None,): {"page_views": 56, "visitors": 22}}
    hours = values(service.traffic_by_hour(MAY, WHOLE_SHOP, min_cell=10))
    assert hours == {("09:00",): {"page_views": 36, "visitors": 12},
                     ("14:00",): {"page_views": 20, "visitors": 20},
                     (None,): {"page_views": 56, "visitors": 22}}
    kinds = values(service.new_and_returning(MAY, WHOLE_SHOP, min_cell=10))
    assert kinds[("2024-05-02", "New")] == {"page_views": 36, "visitors": 12}
    assert kinds[("2024-05-03", "Returning")] == {"page_views": 20, "visitors": 20}
    assert kinds[(None, "New")] == {"page_views": 36, "visitors": 12}
    assert kinds[(None, None)] == {"page_views": 56, "visitors": 22}


def test_customers_by_region_postal_prefix_and_country(catalogue):
    lamp = catalogue["lamp"]
    for n in range(10):
        make_order(datetime(2024, 5, 6), lines=[(lamp, 1, 2500)], region="IL",
                   postal_code=f"6270{n}")
    for n in range(11):
        make_order(datetime(2024, 5, 7), email="same@example.com" if n < 2 else None,
                   lines=[(lamp, 1, 2500)], region="wi", postal_code="53703")
    regions = values(service.customers_by_region(MAY, WHOLE_SHOP, "region", min_cell=10))
    assert regions == {("US IL",): {"customers": 10, "orders": 10},
                       ("US WI",): {"customers": 10, "orders": 11},
                       (None,): {"customers": 20, "orders": 21}}
    postal = values(service.customers_by_region(MAY, WHOLE_SHOP, "postal", min_cell=10))
    assert postal[("US 627",)] == {"customers": 10, "orders": 10}
    assert postal[("US 537",)] == {"customers": 10, "orders": 11}
    countries = values(service.customers_by_region(MAY, WHOLE_SHOP, "country", min_cell=10))
    assert countries == {("US",): {"customers": 20, "orders": 21},
                         (None,): {"customers": 20, "orders": 21}}


def test_sales_count_what_was_charged_after_a_promotion_code(catalogue):
    lamp = catalogue["lamp"]
    for day in range(1, 11):
        make_order(datetime(2024, 5, day, 12), lines=[(lamp, 2, 2500)])
    OrderLine.update(discount_cents=500).execute()  # 10% off each order's 5000
    report = service.sales_by_category_month(SPRING, WHOLE_SHOP, min_cell=10)
    assert values(report)[("2024-05", "Lamps")]["revenue_cents"] == 45000
