"""The rules for a product's fields that need no database: what the back office's forms
(through catalogue.editing) and the CSV import (catalogue.csvio) both check, so the two can
never disagree. Plain values in (cents as integers, dates as dates), errors by field out."""
import re
from datetime import date, timedelta

from storefront.catalogue.models import Availability, Product
from storefront.db import utcnow

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SKU = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")
PRODUCT_FIELDS = ("name", "slug", "description", "price_cents", "sku", "weight_grams", "stock",
                  "availability", "expected_on", "category_id")
NEW_PRODUCT = {"slug": "", "description": "", "weight_grams": 0, "stock": 0,
               "availability": Availability.AVAILABLE, "expected_on": None}
MAX_PRICE_CENTS = 99_999_999
MAX_COUNT = 1_000_000  # units in stock, grams of weight
EXPECTED_WITHIN = timedelta(days=5 * 365)  # how far ahead an item on reserve may be expected


def int_between(value, low, high):
    """True for an int (not a bool) from low to high."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def first_free(base, taken, max_length=Product.slug.max_length):
    """base, or base-2, base-3…: the first that is not in taken, cut to fit max_length (the
    slug column's) with its number, and never ending on a hyphen where it is cut."""
    candidate, number = _cut(base, max_length), 1
    while candidate in taken:
        number += 1
        suffix = f"-{number}"
        candidate = _cut(base, max_length - len(suffix)) + suffix
    return candidate


def _cut(slug, length):
    return slug[:length].rstrip("-")


def slug_form(given, errors, max_length=Product.slug.max_length):
    """The slug as given, lower-cased; a badly formed one, or one longer than max_length (the
    slug column's), is refused under "slug"."""
    given = (given or "").strip().lower()
    if given and not SLUG.fullmatch(given):
        errors["slug"] = "Use lower-case letters, digits and single hyphens, like brass-lamp."
    elif len(given) > max_length:
        errors["slug"] = f"An address (slug) has at most {max_length} characters."
    return given


def _expected_on_problem(expected_on, current):
    """Why expected_on cannot be an item on reserve's date, or None. A date is from today to
    EXPECTED_WITHIN ahead; one kept as it was (set before, passed since) is no one's typing
    and is let through, so it never blocks a change of the stock."""
    if not isinstance(expected_on, date):
        return "Enter the date an item on reserve is expected."
    today = utcnow().date()
    if expected_on != (current or {}).get("expected_on") and \
            not today <= expected_on <= today + EXPECTED_WITHIN:
        return "Enter a date from today to five years ahead."
    return None


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
        elif len(name) > Product.name.max_length:
            errors["name"] = f"A name may have at most {Product.name.max_length} characters."
    if "slug" in checking:
        clean["slug"] = slug_form(merged.get("slug"), errors)
    if "description" in checking:
        clean["description"] = (merged.get("description") or "").strip()
        if len(clean["description"]) > 20_000:
            errors["description"] = "A description may have at most 20,000 characters."
    if "price_cents" in checking and not int_between(merged.get("price_cents"), 1, MAX_PRICE_CENTS):
        errors["price_cents"] = "Enter a price from 0.01 to 999,999.99, like 12.50."
    if "sku" in checking:
        clean["sku"] = sku = (merged.get("sku") or "").strip()
        if not sku:
            errors["sku"] = "Enter the SKU."
        elif len(sku) > Product.sku.max_length or not SKU.fullmatch(sku):
            errors["sku"] = (f"A SKU has at most {Product.sku.max_length} letters, digits, "
                             "dots, hyphens or slashes.")
    for field, what in (("weight_grams", "weight in grams"), ("stock", "number in stock")):
        if field in checking and not int_between(merged.get(field), 0, MAX_COUNT):
            errors[field] = f"Enter the {what}: a whole number from 0 to {MAX_COUNT:,}."
    if checking & {"availability", "expected_on"}:
        availability = merged.get("availability")
        if availability not in Availability.LABELS:
            errors["availability"] = "Choose one of the availabilities."
        elif availability == Availability.ON_RESERVE:
            problem = _expected_on_problem(merged.get("expected_on"), current)
            if problem:
                errors["expected_on"] = problem
            clean["expected_on"] = merged.get("expected_on")
        else:
            clean["expected_on"] = None  # a date means something only for an item on reserve
        clean["availability"] = availability
    if "category_id" in checking:
        clean["category_id"] = merged.get("category_id")
        if not int_between(clean["category_id"], 1, 2**31 - 1):
            errors["category_id"] = "Choose a category."
    return clean, errors
