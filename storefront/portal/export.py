"""The partner's CSV downloads, safe to open in a spreadsheet (no formula injection)."""
import csv
import io

from storefront.accounts.contact import display_phone

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# What each column of the two downloads carries, by its data-inventory names
# (privacy/inventory.py); () carries nothing personal. Tests check the inventory lets a
# partner have every one.
CUSTOMER_COLUMNS = {
    "name": ("Customer.name",),
    "email": ("Customer.email",),
    "city": ("PostalAddress.city",),
    "region": ("PostalAddress.region",),
    "country": ("PostalAddress.country",),
    "day_phone": ("Phone.number",),
    "registered": ("Customer.created_at",),
}
ORDER_COLUMNS = {
    "order": ("Order.number",),
    "placed": ("Order.placed_at",),
    "customer": ("Customer.name",),
    "item": ("OrderLine.name",),
    "sku": ("OrderLine.sku",),
    "quantity": ("OrderLine.quantity",),
    "unit_price": ("OrderLine.unit_price_cents",),
    "line_total": ("OrderLine.unit_price_cents", "OrderLine.quantity"),
    "status": ("OrderLine.status",),
    "merchandise": ("Order.merchandise_cents",),
    "shipping": ("Order.shipping_cents",),
    "order_total": ("Order.merchandise_cents", "Order.shipping_cents"),
}


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
    return _csv(list(CUSTOMER_COLUMNS),
                ([c.name, c.email, c.city, c.region, c.country,
                  display_phone(c.day_phone) if c.day_phone else "",
                  c.registered_at.date().isoformat()] for c in customers))


def orders_csv(orders):
    """One row per order line, with the order's number, date and totals."""
    return _csv(list(ORDER_COLUMNS),
                ([o.number, o.placed_at.date().isoformat(), o.customer_name, line.name,
                  line.sku, line.quantity, _amount(line.unit_price_cents),
                  _amount(line.total_cents), line.status, _amount(o.merchandise_cents),
                  _amount(o.shipping_cents), _amount(o.total_cents)]
                 for o in orders for line in o.lines))


def _amount(cents):
    whole, fraction = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{whole}.{fraction:02d}"
