"""Products written many at a time, for the CSV import: new rows (products, their words,
their history) go by the hundred to an INSERT, changed rows one UPDATE each but sent together
(DB-API executemany), in plain SQL both databases read. The rows are the ones csv_rows checked
with product_rules; this module writes them and keeps what follows right, the word index and
the change history, as editing.save_product does one product at a time."""
from storefront.catalogue.history import PRODUCTS, changes_between
from storefront.catalogue.models import Product, ProductChange, ProductWord
from storefront.catalogue.words import words_of
from storefront.db import database, utcnow

_SEARCHED = {"name", "sku", "description"}  # what the word index is made of
# Values to a statement: PostgreSQL plans long statements slowly, and psycopg parses each.
MAX_PARAMETERS = 1000
_NEW = ("sku", "slug", "name", "description", "price_cents", "stock", "availability",
        "expected_on", "weight_grams", "category_id", "is_hidden")


def _quoted(name):
    return f'"{name}"'


def _insert(model, names, rows):
    """INSERT rows (value lists in the order of names), many to a statement."""
    columns = ", ".join(_quoted(model._meta.combined[name].column_name) for name in names)
    marks = "(" + ", ".join([database.param] * len(names)) + ")"
    size = MAX_PARAMETERS // len(names)
    for start in range(0, len(rows), size):
        chunk = rows[start:start + size]
        database.execute_sql(
            f"INSERT INTO {_quoted(model._meta.table_name)} ({columns}) VALUES "
            + ", ".join([marks] * len(chunk)), [value for row in chunk for value in row])


class BatchWriter:
    """Writes checked batches of rows inside the caller's transaction: new products, the
    fields changed of others, their word index and one history row per product."""

    def __init__(self, staff_id):
        self.staff_id = staff_id
        self.now = utcnow()

    def write(self, creates, updates, category_names):
        """creates: new products' values; updates: (current values with id, {field: new
        value}); category_names: {id: name} for the history."""
        history, indexed = [], {}
        if creates:
            _insert(Product, (*_NEW, "created_at"),
                    [[row[name] for name in _NEW] + [self.now] for row in creates])
            ids = dict(Product.select(Product.sku, Product.id)
                       .where(Product.sku.in_([row["sku"] for row in creates])).tuples())
            for row in creates:
                shown = {name: value for name, value in row.items()
                         if name != "is_hidden" or value}  # as the form records a creation
                history.append((ids[row["sku"]], changes_between({}, shown, category_names.get)))
                indexed[ids[row["sku"]]] = row
        groups = {}
        for now, change in updates:
            groups.setdefault(tuple(sorted(change)), []).append((now, change))
            history.append((now["id"], changes_between(now, change, category_names.get)))
            if _SEARCHED & set(change):
                indexed[now["id"]] = {**now, **change}
        for names, group in groups.items():
            self._update(names, group)
        self._index(indexed, [now["id"] for now, change in updates if _SEARCHED & set(change)])
        _insert(ProductChange, ("product", "staff_id", "changes", "at"),
                [[product_id, self.staff_id,
                  PRODUCTS.row(product_id, self.staff_id, changes)["changes"], self.now]
                 for product_id, changes in history])

    @staticmethod
    def _update(names, group):
        """One UPDATE per product, all in one executemany: only the fields it changes."""
        columns = ", ".join(f"{_quoted(Product._meta.combined[name].column_name)} = "
                            f"{database.param}" for name in names)
        database.cursor().executemany(
            f"UPDATE {_quoted(Product._meta.table_name)} SET {columns} "
            f"WHERE {_quoted('id')} = {database.param}",
            [[change[name] for name in names] + [now["id"]] for now, change in group])

    @staticmethod
    def _index(products, replacing):
        """The word index of products {id: values}, once the rows of replacing are gone."""
        if replacing:
            ProductWord.delete().where(ProductWord.product.in_(replacing)).execute()
        _insert(ProductWord, ("word", "product"), [
            [word, product_id] for product_id, p in products.items()
            for word in words_of(f"{p['name']} {p['sku']} {p['description']}")])
