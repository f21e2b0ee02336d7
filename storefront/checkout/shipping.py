"""Shipping methods and their prices (integer cents)."""
from dataclasses import dataclass

FREE_STANDARD_FROM_CENTS = 7500  # standard shipping is free from $75 of products


@dataclass(frozen=True)
class ShippingMethod:
    code: str
    label: str
    cents: int


METHODS = {
    "standard": ShippingMethod("standard", "Standard, 5 to 7 working days", 595),
    "express": ShippingMethod("express", "Express, 2 working days", 1495),
    "overnight": ShippingMethod("overnight", "Overnight, next working day", 2995),
}
EMAIL_DELIVERY = ShippingMethod("email", "By email (gift cards only)", 0)


def options(products_cents):
    """The methods on offer for products worth products_cents, with their prices."""
    return [ShippingMethod(m.code, m.label, 0) if m.code == "standard"
            and products_cents >= FREE_STANDARD_FROM_CENTS else m for m in METHODS.values()]


def method(code, products_cents, needs_shipping=True):
    """The chosen method with its price for this order, or None when code is not one."""
    if not needs_shipping:
        return EMAIL_DELIVERY
    return next((m for m in options(products_cents) if m.code == code), None)
