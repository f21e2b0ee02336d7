"""Catalogue rules: listing, searching, sorting and paging products; keeping the word index."""
import re
import unicodedata
from dataclasses import dataclass

from storefront.catalogue.models import Availability, Category, Product, ProductWord
from storefront.catalogue.words import words_of
from storefront.db import database

SORTS = {
    "newest": "Newest",
    "price": "Price: low to high",
    "price-desc": "Price: high to low",
    "name": "Name",
}
MAX_PAGE = 10_000
MAX_QUERY_WORDS = 6


@dataclass
class Page:
    items: list
    number: int
    has_next: bool
    total_pages: int | None = None  # known for category pages, not for searches


def _ordering(sort):
    if sort == "price":
        return [Product.price_cents, Product.id]
    if sort == "price-desc":
        return [Product.price_cents.desc(), Product.id.desc()]
    if sort == "name":
        return [Product.name, Product.id]
    return [Product.created_at.desc(), Product.id.desc()]


CARD_FIELDS = (Product.id, Product.slug, Product.name, Product.price_cents,
               Product.availability, Product.image)  # what a listing shows of a product


def _page_of(id_query, number, size, total_pages=None):
    """Read one page of ids (from an index, so OFFSET skips cheaply), then only those rows."""
    ids = [row[0] for row in id_query.limit(size + 1).offset((number - 1) * size).tuples()]
    rows = {p.id: p for p in Product.select(*CARD_FIELDS).where(Product.id.in_(ids[:size]))} \
        if ids else {}
    return Page([rows[i] for i in ids[:size] if i in rows], number, len(ids) > size, total_pages)


def page_count(category, size):
    """How many pages the category has (at least one, even when it is empty)."""
    return max(1, -(-category.product_count // size))


def visible_product(slug):
    """The product with this slug and its category, unless it is hidden; or None."""
    return (Product.visible(Product, Category).join(Category)
            .where(Product.slug == slug).first())


def category_page(category, sort, number, size):
    """One page of a category, using the stored product count instead of COUNT(*)."""
    ids = Product.visible(Product.id).where(Product.category == category)
    return _page_of(ids.order_by(*_ordering(sort)), number, size, page_count(category, size))


def search_page(text, sort, number, size):
    """Products having every word of the query; pages know only whether another follows."""
    words = words_of(text)[:MAX_QUERY_WORDS]
    if not words:
        return Page([], number, False, 0)
    # Intersect the words inside the subquery, on the word index alone; product rows are read
    # only for the matches, to check visibility and sort.
    first = ProductWord.alias("w0")
    matches = first.select(first.product).where(first.word == words[0])
    for position, word in enumerate(words[1:], 1):
        other = ProductWord.alias(f"w{position}")
        matches = matches.join_from(first, other,
                                    on=(other.product == first.product) & (other.word == word))
    ids = Product.visible(Product.id).where(Product.id.in_(matches))
    return _page_of(ids.order_by(*_ordering(sort)), number, size)


def newest_products(limit):
    """The most recently added products that can be ordered, for the home page."""
    return list(Product.visible()
                .where(Product.availability.in_(Availability.ORDERABLE))
                .order_by(Product.created_at.desc(), Product.id.desc()).limit(limit))


def category_menu():
    """(name, slug) of every category shoppers may see, in menu order."""
    return [(c.name, c.slug) for c in Category.ordered().where(Category.is_hidden == False)]  # noqa: E712


def slugify(text):
    """A URL-safe slug from a name."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:150] or "item"


def index_words(product):
    """Rewrite a product's rows in the word index from its name, SKU and description."""
    with database.atomic():
        ProductWord.delete().where(ProductWord.product == product).execute()
        rows = [{"word": w, "product": product.id}
                for w in words_of(f"{product.name} {product.sku} {product.description}")]
        if rows:
            ProductWord.insert_many(rows).execute()


def refresh_category_counts():
    """Recount visible products per category (after imports and edits)."""
    with database.atomic():
        for category in Category.select():
            category.product_count = (Product.visible()
                                      .where(Product.category == category).count())
            category.save(only=[Category.product_count])


def set_availability(product_id, availability):
    """Change a product's availability (fulfilment marks one out of stock or discontinued).
    Listings show it within CACHE_SECONDS."""
    Product.update(availability=availability).where(Product.id == product_id).execute()


def take_stock(product_id, quantity):
    """Take units from stock if there are that many; True when taken."""
    return Product.update(stock=Product.stock - quantity).where(
        Product.id == product_id, Product.stock >= quantity).execute() > 0


def return_stock(product_id, quantity):
    """Put back units an order had taken (its line was cancelled before shipping)."""
    Product.update(stock=Product.stock + quantity).where(Product.id == product_id).execute()
