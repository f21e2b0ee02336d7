"""The rules for a product's fields that need no database: what the back office's forms
(through catalogue.editing) and the CSV import (catalogue.csvio) both check, so the two can
never disagree. Plain values in (cents as integers, dates as dates), errors by field out."""
import re
from datetime import date

from storefront.catalogue.models import Availability

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SKU = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")
PRODUCT_FIELDS = ("name", "slug", "description", "price_cents", "sku", "weight_grams", "stock",
                  "availability", "expected_on", "category_id")
NEW_PRODUCT = {"slug": "", "description": "", "weight_grams": 0, "stock": 0,
               "availability": Availability.AVAILABLE, "expected_on": None}
MAX_PRICE_CENTS = 99_999_999
MAX_COUNT = 1_000_000  # units in stock, grams of weight


def whole(value, low, high):
    """True for an int (not a bool) from low to high."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def first_free(base, taken):
    """base, or base-2, base-3…: the first that is not in taken."""
    base = base[:150]
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def slug_form(given, errors):
    """The slug as given, lower-cased; a badly formed one is refused under "slug"."""
    given = (given or "").strip().lower()
    if given and (len(given) > 150 or not SLUG.fullmatch(given)):
        errors["slug"] = "Use lower-case letters, digits and single hyphens, like brass-lamp."
    return given


def check_product(values, current=None):
    """(clean values, errors by field) for a new product (current None: every field needed)
    or for the fields given of one whose values are current. Whether the slug and SKU are
    free and the category exists is the caller's to check: editing.product_errors asks the
    database, the CSV import looks them up in what it read once. An empty slug stays empty
    here (the caller makes one from the name)."""
    unknown = set(values) - set(PRODUCT_FIELDS)
    if unknown:
        raise ValueError(f"not product fields: {sorted(unknown)}")
    merged = {**NEW_PRODUCT, **(current or {}), **values}
    checking = set(PRODUCT_FIELDS) if current is None else set(values)
    errors, clean = {}, dict(values)
    if "name" in checking:
        clean["name"] = name = (merged.get("name") or "").strip()
        if not name:
            errors["name"] = "Enter the product's name."
        elif len(name) > 150:
            errors["name"] = "A name may have at most 150 characters."
    if "slug" in checking:
        clean["slug"] = slug_form(merged.get("slug"), errors)
    if "description" in checking:
        clean["description"] = (merged.get("description") or "").strip()
        if len(clean["description"]) > 20_000:
            errors["description"] = "A description may have at most 20,000 characters."
    if "price_cents" in checking and not whole(merged.get("price_cents"), 1, MAX_PRICE_CENTS):
        errors["price_cents"] = "Enter a price from 0.01 to 999,999.99, like 12.50."
    if "sku" in checking:
        clean["sku"] = sku = (merged.get("sku") or "").strip()
        if not sku:
            errors["sku"] = "Enter the SKU."
        elif len(sku) > 64 or not SKU.fullmatch(sku):
            errors["sku"] = "A SKU has at most 64 letters, digits, dots, hyphens or slashes."
    for field, what in (("weight_grams", "weight in grams"), ("stock", "number in stock")):
        if field in checking and not whole(merged.get(field), 0, MAX_COUNT):
            errors[field] = f"Enter the {what}: a whole number from 0 to {MAX_COUNT:,}."
    if checking & {"availability", "expected_on"}:
        availability = merged.get("availability")
        if availability not in Availability.LABELS:
            errors["availability"] = "Choose one of the availabilities."
        elif availability == Availability.ON_RESERVE:
            if not isinstance(merged.get("expected_on"), date):
                errors["expected_on"] = "Enter the date an item on reserve is expected."
            clean["expected_on"] = merged.get("expected_on")
        else:
            clean["expected_on"] = None  # a date means something only for an item on reserve
        clean["availability"] = availability
    if "category_id" in checking:
        clean["category_id"] = merged.get("category_id")
        if not whole(clean["category_id"], 1, 2**31 - 1):
            errors["category_id"] = "Choose a category."
    return clean, errors
