"""The partner's CSV downloads, safe to open in a spreadsheet (no formula injection)."""
import csv
import io

from storefront.accounts.contact import display_phone

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    """A value as CSV text; text a spreadsheet would run as a formula is quoted with '."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _csv(header, rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([cell(value) for value in row] for row in rows)
    return out.getvalue()


def customers_csv(customers):
    """One row per customer: the fields a partner may see."""
    return _csv(["name", "email", "city", "region", "country", "day_phone", "registered"],
                ([c.name, c.email, c.city, c.region, c.country,
                  display_phone(c.day_phone) if c.day_phone else "",
                  c.registered_at.date().isoformat()] for c in customers))


def orders_csv(orders):
    """One row per order line, with the order's number, date and totals."""
    return _csv(["order", "placed", "customer", "item", "sku", "quantity", "unit_price",
                 "line_total", "status", "merchandise", "shipping", "order_total"],
                ([o.number, o.placed_at.date().isoformat(), o.customer_name, line.name,
                  line.sku, line.quantity, _amount(line.unit_price_cents),
                  _amount(line.total_cents), line.status, _amount(o.merchandise_cents),
                  _amount(o.shipping_cents), _amount(o.total_cents)]
                 for o in orders for line in o.lines))


def _amount(cents):
    whole, fraction = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{whole}.{fraction:02d}"
