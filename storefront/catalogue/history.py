"""Each product's change history: who changed it, when, and each field's old and new value,
kept as a ProductChange whose changes are JSON ({field: [old, new]})."""
import json
from datetime import date

from storefront.catalogue.models import ProductChange
from storefront.catalogue.service import Page


def _history_value(value):
    """A value as the history keeps it (JSON): dates as text."""
    return value.isoformat() if isinstance(value, date) else value


def change_row(product_id, staff_id, changes):
    """A history row's fields: {field: [old, new]} kept as JSON."""
    return {"product": product_id, "staff_id": staff_id,
            "changes": json.dumps(changes, sort_keys=True, default=str)}


def record_change(product_id, staff_id, changes):
    """Append a product's change to its history: {field: [old, new]}; nothing when empty."""
    if changes:
        ProductChange.create(**change_row(product_id, staff_id, changes))


def changes_between(before, after, category_name):
    """{field: [old, new]} for the fields of after that differ from before, as the history
    keeps them: dates as text, the category by its name (category_name(id))."""
    changes = {name: [_history_value(before.get(name)), _history_value(after[name])]
               for name in after if before.get(name) != after[name]}
    if "category_id" in changes:
        changes["category"] = [category_name(before.get("category_id")),
                               category_name(after["category_id"])]
        del changes["category_id"]
    return changes


def changes_of(product_id, number, size):
    """One page of a product's history, newest first: (ProductChange, {field: [old, new]})."""
    query = (ProductChange.select().where(ProductChange.product == product_id)
             .order_by(ProductChange.at.desc(), ProductChange.id.desc()))
    rows = list(query.limit(size + 1).offset((number - 1) * size))
    return Page([(row, json.loads(row.changes)) for row in rows[:size]], number,
                len(rows) > size)
