"""The change histories of products and categories: who changed one, when, and each field's
old and new value, kept as a ProductChange or CategoryChange whose changes are JSON
({field: [old, new]}). One ChangeLog serves both: PRODUCTS and CATEGORIES."""
import json
from datetime import date

from storefront.catalogue.models import CategoryChange, ProductChange
from storefront.catalogue.service import Page


class ChangeLog:
    """The history of one kind of record: rows of model naming the record by owner (its
    foreign key), the staff member (staff_id), the time (at) and the changes (JSON)."""

    def __init__(self, model, owner):
        self.model = model
        self.owner = owner

    def row(self, owner_id, staff_id, changes):
        """A history row's fields: {field: [old, new]} kept as JSON."""
        return {self.owner.name: owner_id, "staff_id": staff_id,
                "changes": json.dumps(changes, sort_keys=True, default=str)}

    def record(self, owner_id, staff_id, changes):
        """Append a change to the record's history: {field: [old, new]}; nothing when empty."""
        if changes:
            self.model.create(**self.row(owner_id, staff_id, changes))

    def page(self, owner_id, number, size):
        """One page of the record's history, newest first: (change row, {field: [old, new]})."""
        query = (self.model.select().where(self.owner == owner_id)
                 .order_by(self.model.at.desc(), self.model.id.desc()))
        rows = list(query.limit(size + 1).offset((number - 1) * size))
        return Page([(row, json.loads(row.changes)) for row in rows[:size]], number,
                    len(rows) > size)


PRODUCTS = ChangeLog(ProductChange, ProductChange.product)
CATEGORIES = ChangeLog(CategoryChange, CategoryChange.category)


def _history_value(value):
    """A value as the history keeps it (JSON): dates as text."""
    return value.isoformat() if isinstance(value, date) else value


def changes_between(before, after, category_name=None):
    """{field: [old, new]} for the fields of after that differ from before ({} for a record
    being created), as the history keeps them: dates as text, a product's category by its
    name (category_name(id))."""
    changes = {name: [_history_value(before.get(name)), _history_value(after[name])]
               for name in after if before.get(name) != after[name]}
    if "category_id" in changes:
        changes["category"] = [category_name(before.get("category_id")),
                               category_name(after["category_id"])]
        del changes["category_id"]
    return changes
