"""The aggregate reports (P12). Each takes a period, a scope (the whole shop or one partner,
see scope.py) and k, the smallest number of people a cell may count, and returns a Report
whose rows hold plain values only: labels of months, days, hours, categories, sources,
banners and regions, and counts and cents. Cells counting fewer than k people are None.

No query here selects a name, an email, an address line, a phone number, an IP address,
a visitor key or an id: people are only ever counted (COUNT DISTINCT).
"""
from datetime import datetime

from peewee import JOIN, SQL, Case, fn

from storefront.accounts.models import PostalAddress
from storefront.catalogue.models import Category, Product
from storefront.orders.models import Order, OrderAddress, OrderLine
from storefront.reports.suppression import suppress
from storefront.reports.tables import Dim, Measure, Report, Row, grouping_sets, merge, ordered
from storefront.tracking.models import Banner, PageView, Touch, Visitor

OTHER = "Other"  # the label of rows whose own label too few people share
TOUCHES = ("first", "last")
AREAS = {"region": "State or region", "postal": "Postal prefix", "country": "Country"}

BUYERS = ("buyers",)
VISITORS = ("visitors",)


def _month(value):
    return _moment(value).strftime("%Y-%m")


def _day(value):
    return _moment(value).strftime("%Y-%m-%d")


def _hour(value):
    return f"{int(value):02d}:00"


def _moment(value):
    """A truncated timestamp as the database returns it (a datetime, or text on SQLite)."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _truncate(field, part):
    """The timestamp truncated to the month or day, the same SQL on every run: the part is
    a literal, not a parameter."""
    return field.model._meta.database.truncate_date(SQL(f"'{part}'"), field)


def _hour_of_day(field):
    return field.model._meta.database.extract_date("hour", field)


def _buyers():
    return fn.COUNT(fn.DISTINCT(fn.LOWER(Order.email)))


def _report(slug, title, dims, measures, counts, min_cell, chart_measure, notes=()):
    values = suppress(counts, measures, min_cell)
    rows = [Row(labels, values[labels]) for labels in ordered(values)]
    return Report(slug, title, tuple(dim.label for dim in dims), tuple(measures), rows,
                  min_cell, chart_measure, list(notes))


def _shared_labels(query, label, people, min_cell):
    """The labels (free text such as a ?ref= source) that at least min_cell people share.
    Any other label is shown only as OTHER, so a rare one cannot point at someone."""
    grouped = query.select(label.alias("label"), people.alias("people")).group_by(SQL("1"))
    return sorted(text for text, count in grouped.tuples() if count >= min_cell)


def _label_or_other(label, shared):
    return Case(None, [(label.in_(shared), label)], OTHER)


# --- Sales -------------------------------------------------------------------------------

SALES_MEASURES = (Measure("orders", "Orders", BUYERS),
                  Measure("units", "Units", BUYERS),
                  Measure("revenue_cents", "Revenue", BUYERS, "cents"))


def sales_by_category_month(period, scope, min_cell):
    """Orders, units and revenue (cents) of products per month and category; lines that
    were cancelled or discontinued are not sold. A cell counts its distinct buyers."""
    query = (OrderLine.select()
             .join(Order)
             .switch(OrderLine).join(Product, JOIN.LEFT_OUTER)
             .join(Category, JOIN.LEFT_OUTER)
             .where(period.covers(Order.placed_at), scope.where(Order.partner),
                    OrderLine.kind == OrderLine.PRODUCT,
                    OrderLine.status.not_in(OrderLine.DROPPED)))
    dims = (Dim("Month", _truncate(Order.placed_at, "month"), _month),
            Dim("Category", fn.COALESCE(Category.name, "(no category)")))
    counts = grouping_sets(query, dims, {
        "orders": fn.COUNT(fn.DISTINCT(Order.id)),
        "units": fn.SUM(OrderLine.quantity),
        "revenue_cents": fn.SUM(OrderLine.unit_price_cents * OrderLine.quantity
                                - OrderLine.discount_cents),  # what was charged
        "buyers": _buyers()})
    return _report("sales", "Sales by category and month", dims, SALES_MEASURES, counts,
                   min_cell, "revenue_cents")


# --- Conversion by referral source and by banner --------------------------------------------

CONVERSION_MEASURES = (Measure("visitors", "Visitors touched", VISITORS),
                       Measure("orders", "Orders", BUYERS),
                       Measure("conversion", "Conversion rate", ("visitors", "buyers",
                                                                 "converted"), "percent"))


def _touch_of(model, touch):
    return model.first_touch if touch == "first" else model.last_touch


def _source_label():
    return Case(None, [(Touch.source != "", Touch.source),
                       (Touch.utm_source != "", Touch.utm_source.concat(" (utm)"))],
                "(none)")


def _banner_label():
    return Case(None, [(Banner.campaign != "", Banner.placement.concat(" · ")
                        .concat(Banner.campaign))], Banner.placement)


def _conversion(slug, title, heading, label, period, scope, touch, min_cell, joins_banner):
    """Visitors whose first (or last) touch in the period came through a label, the orders
    placed in the period with that touch, and the share of those visitors who ordered."""
    def touched():
        query = Visitor.select().join(Touch, on=(_touch_of(Visitor, touch) == Touch.id))
        if joins_banner:
            query = query.join(Banner)
        return query.where(period.covers(Touch.at), scope.where(Touch.partner))

    def ordered_through():
        query = Order.select().join(Touch, on=(_touch_of(Order, touch) == Touch.id))
        if joins_banner:
            query = query.join(Banner)
        return query.where(period.covers(Order.placed_at), scope.where(Order.partner))

    visitors = fn.COUNT(fn.DISTINCT(Visitor.id))
    shared = _shared_labels(touched(), label, visitors, min_cell)
    dims = (Dim(heading, _label_or_other(label, shared)),)
    counts = merge(
        ("visitors", "orders", "buyers", "converted"),
        grouping_sets(touched(), dims, {"visitors": visitors}),
        grouping_sets(ordered_through(), dims, {
            "orders": fn.COUNT(fn.DISTINCT(Order.id)), "buyers": _buyers(),
            "converted": fn.COUNT(fn.DISTINCT(Touch.visitor))}))
    for values in counts.values():
        values["conversion"] = (round(100 * values["converted"] / values["visitors"], 1)
                                if values["visitors"] else 0.0)
    notes = [f"Attributed to the visitor's {touch} touch.",
             f"{heading} labels shared by fewer than {min_cell} visitors are counted as "
             f"'{OTHER}'."]
    return _report(slug, title, dims, CONVERSION_MEASURES, counts, min_cell, "conversion",
                   notes)


def conversion_by_source(period, scope, touch, min_cell):
    """Visitors, orders and conversion per referral source (?ref=, else utm_source)."""
    return _conversion("sources", "Orders and conversion by referral source", "Source",
                       _source_label(), period, scope, touch, min_cell, False)


def conversion_by_banner(period, scope, touch, min_cell):
    """Visitors, orders and conversion per banner (its placement and campaign)."""
    return _conversion("banners", "Orders and conversion by banner", "Banner",
                       _banner_label(), period, scope, touch, min_cell, True)


# --- Traffic ---------------------------------------------------------------------------------

TRAFFIC_MEASURES = (Measure("page_views", "Page views", VISITORS),
                    Measure("visitors", "Visitors", VISITORS))


def _page_views(period, scope):
    return PageView.select().where(period.covers(PageView.at), scope.where(PageView.partner))


def _traffic_counts(query, dims):
    return grouping_sets(query, dims, {"page_views": fn.COUNT(PageView.id),
                                       "visitors": fn.COUNT(fn.DISTINCT(PageView.visitor))})


def traffic_by_day(period, scope, min_cell):
    """Page views and distinct visitors per day (UTC)."""
    dims = (Dim("Day", _truncate(PageView.at, "day"), _day),)
    return _report("traffic-day", "Traffic by day", dims, TRAFFIC_MEASURES,
                   _traffic_counts(_page_views(period, scope), dims), min_cell, "page_views")


def traffic_by_hour(period, scope, min_cell):
    """Page views and distinct visitors per hour of the day (UTC), over the period."""
    dims = (Dim("Hour (UTC)", _hour_of_day(PageView.at), _hour),)
    return _report("traffic-hour", "Traffic by hour of the day", dims, TRAFFIC_MEASURES,
                   _traffic_counts(_page_views(period, scope), dims), min_cell, "page_views")


def new_and_returning(period, scope, min_cell):
    """Visitors per day, new (first seen that day) or returning (seen on an earlier day)."""
    query = (_page_views(period, scope)
             .join(Visitor, on=(PageView.visitor == Visitor.key)))
    kind = Case(None, [(_truncate(Visitor.first_seen, "day") == _truncate(PageView.at, "day"),
                        "New")], "Returning")
    dims = (Dim("Day", _truncate(PageView.at, "day"), _day), Dim("Visitors", kind))
    return _report("visitors", "New and returning visitors", dims, TRAFFIC_MEASURES,
                   _traffic_counts(query, dims), min_cell, "visitors")


# --- Customers by region --------------------------------------------------------------------

REGION_MEASURES = (Measure("customers", "Customers", BUYERS),
                   Measure("orders", "Orders", BUYERS))


def _area_label(area):
    country = fn.UPPER(OrderAddress.country)
    if area == "country":
        return country
    if area == "postal":
        return country.concat(" ").concat(fn.UPPER(fn.SUBSTR(OrderAddress.postal_code, 1, 3)))
    return Case(None, [(OrderAddress.region == "", country)],
                country.concat(" ").concat(fn.UPPER(OrderAddress.region)))


def customers_by_region(period, scope, area, min_cell):
    """Customers (distinct buyers) and orders in the period per shipping state or region,
    postal prefix (three characters) or country. Only labels that at least k customers
    share are shown; the rest are counted together as OTHER."""
    def shipped():
        return (Order.select()
                .join(OrderAddress, on=((OrderAddress.order == Order.id)
                                        & (OrderAddress.kind == PostalAddress.SHIPPING)))
                .where(period.covers(Order.placed_at), scope.where(Order.partner)))

    label = _area_label(area)
    shared = _shared_labels(shipped(), label, _buyers(), min_cell)
    dims = (Dim(AREAS[area], _label_or_other(label, shared)),)
    counts = grouping_sets(shipped(), dims, {"customers": _buyers(),
                                             "orders": fn.COUNT(fn.DISTINCT(Order.id))})
    for values in counts.values():
        values["buyers"] = values["customers"]
    notes = [f"By the shipping address of orders placed in the period. Areas shared by fewer "
             f"than {min_cell} customers are counted as '{OTHER}'."]
    return _report("regions", "Customers by region", dims, REGION_MEASURES, counts,
                   min_cell, "customers", notes)
