"""The rows of a catalogue import, each checked by product_rules (the rules the back office's
forms use) against lookups read once for the file (categories, every slug) or once per batch
of rows (the products the batch's SKUs name): never a query per row. csvio reads the file and
drives the batches; this module says what each row would do, or why it is refused."""
from dataclasses import dataclass
from datetime import date

from storefront.catalogue.editing import cents
from storefront.catalogue.models import Availability, Category, Product
from storefront.catalogue.product_rules import check_product, first_free
from storefront.catalogue.service import slugify
from storefront.db import locked
from storefront.web.params import whole_number

COLUMNS = ("sku", "name", "slug", "description", "price", "weight_grams", "stock",
           "availability", "expected_on", "category", "hidden")
_COLUMN_OF = {"price_cents": "price", "category_id": "category"}  # field → column
YES, NO = ("yes", "true", "1"), ("no", "false", "0", "")
READ = (Product.id, Product.sku, Product.name, Product.slug, Product.description,
        Product.price_cents, Product.weight_grams, Product.stock, Product.availability,
        Product.expected_on, Product.category, Product.is_hidden)
KEYS = ("id", "sku", "name", "slug", "description", "price_cents", "weight_grams", "stock",
        "availability", "expected_on", "category_id", "is_hidden")  # of a READ row


@dataclass
class Problem:
    line: int  # where the row starts in the file (the header is line 1)
    reasons: list


def unquote(text):
    """A cell without the one leading apostrophe a spreadsheet (or the export) put there."""
    return text[1:] if text.startswith("'") else text


def _date(text):
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _reason(column, cell, message):
    shown = cell.strip()
    if column in ("name", "description") or not shown:
        return f"{column}: {message}"
    return f"{column} “{shown[:40]}{'…' if len(shown) > 40 else ''}”: {message}"


class _Taken:
    """The slugs a made-up slug must avoid: the catalogue's, and those the file gives."""

    def __init__(self, *sets):
        self.sets = sets

    def __contains__(self, slug):
        return any(slug in taken for taken in self.sets)


class RowChecker:
    """Checks rows with product_rules against lookups read once (categories, slugs) or once
    per batch (the products the batch's SKUs name)."""

    def __init__(self, at, given_slugs):
        self.at = at
        self.categories = dict(Category.select(Category.slug, Category.id).tuples())
        self.category_names = dict(Category.select(Category.id, Category.name).tuples())
        self.owners = dict(Product.select(Product.slug, Product.id).tuples())
        self.claimed = {}  # slug → the line that takes it
        self.taken = _Taken(self.owners, given_slugs, self.claimed)
        self.skus = {}  # SKU → its first line

    def batch(self, rows, outcome, lock):
        """Check rows [(line, cells)], counting into outcome: (new products, changes)."""
        parsed = [(line, *self._parse(cells)) for line, cells in rows]
        skus = [values["sku"].strip() for _, values, *_ in parsed if values]
        query = Product.select(*READ).where(Product.sku.in_(skus))
        current = {row[1]: dict(zip(KEYS, row, strict=True)) for row in
                   (locked(query) if lock else query).tuples()} if skus else {}
        creates, updates = [], []
        for line, values, hidden, notes, cells in parsed:
            if values is None:
                outcome.problems.append(Problem(line, [notes[""]]))
                continue
            now = current.get(values["sku"].strip())
            clean, reasons = self._check(line, values, now, notes, cells)
            if reasons:
                outcome.problems.append(Problem(line, reasons))
            elif now is None:
                outcome.created += 1
                creates.append({**clean, "is_hidden": hidden})
            else:
                change = self._change(now, {**clean, "is_hidden": hidden})
                if change:
                    outcome.updated += 1
                    updates.append((now, change))
                    if "availability" in change:
                        outcome.becoming[change["availability"]] += 1
                        outcome.availability_changed[now["id"]] = change["availability"]
                else:
                    outcome.unchanged += 1
        return creates, updates

    def _parse(self, cells):
        """(values for product_rules, hidden, {column: note}, {column: cell}) of a row."""
        if len(cells) != len(self.at):
            return None, None, {"": f"This row has {len(cells)} cells; the header has "
                                    f"{len(self.at)}."}, None
        cell = {column: unquote(cells[position]) for column, position in self.at.items()}
        category, hidden = cell["category"].strip().lower(), cell["hidden"].strip().lower()
        values = {"sku": cell["sku"], "name": cell["name"], "slug": cell["slug"],
                  "description": cell["description"], "price_cents": cents(cell["price"]),
                  "weight_grams": whole_number(cell["weight_grams"].strip()),
                  "stock": whole_number(cell["stock"].strip()),
                  "availability": cell["availability"].strip().lower(),
                  "expected_on": _date(cell["expected_on"].strip()),
                  "category_id": self.categories.get(category)}
        notes = {}
        if cell["expected_on"].strip() and values["expected_on"] is None:
            notes["expected_on"] = "Write the date like 2025-03-31."
        if values["category_id"] is None:
            notes["category"] = "No category has this slug." if category else \
                "Give the slug of the product's category."
        if hidden not in YES + NO:
            notes["hidden"] = "Write yes or no."
        return values, hidden in YES, notes, cell

    def _check(self, line, values, now, notes, cells):
        """(clean values, reasons in column order) for one parsed row."""
        sku = values["sku"].strip()
        if sku and self.skus.setdefault(sku, line) != line:
            notes.setdefault("sku", f"Line {self.skus[sku]} has this SKU already.")
        if now is not None and not values["slug"].strip():
            del values["slug"]  # keep the product's own
        clean, errors = check_product(values, now)
        errors.pop("category_id", None)  # the category's note says more
        slug = clean.get("slug")
        if slug and "slug" not in errors:
            owner = self.owners.get(slug)
            if owner is not None and owner != (now or {}).get("id"):
                errors["slug"] = "Another product has this slug."
            elif self.claimed.setdefault(slug, line) != line:
                errors["slug"] = f"Line {self.claimed[slug]} gives this slug already."
        elif slug == "" and "name" not in errors:
            clean["slug"] = made = first_free(slugify(clean["name"]), self.taken)
            self.claimed[made] = line
        errors = {_COLUMN_OF.get(name, name): message for name, message in errors.items()}
        if errors.get("availability"):
            errors["availability"] = "Write one of " + ", ".join(Availability.LABELS) + "."
        merged = {**errors, **notes}
        return clean, [_reason(column, cells[column], merged[column])
                       for column in COLUMNS if column in merged]

    @staticmethod
    def _change(now, after):
        """{field: new value} of what the row changes."""
        change = {name: value for name, value in after.items() if now[name] != value}
        if Availability.ON_RESERVE not in (now["availability"], after["availability"]):
            change.pop("expected_on", None)  # a date means nothing unless on reserve
        return change

