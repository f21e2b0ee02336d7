"""Catalogue editing: the rules for the products staff create and change, and their pictures.

Plain values in (a dict of field names, cents as integers, dates as dates), errors by field
out. The field rules themselves are in product_rules, which the CSV import (csvio) checks its
rows with too; slugs are in slugs, categories in categories. Every change of a product goes
in its history (history.py) with each field's old and new value.
"""
import re
from dataclasses import dataclass

from peewee import IntegrityError

from storefront.catalogue.history import PRODUCTS, changes_between
from storefront.catalogue.models import Category, Product, ProductImage
from storefront.catalogue.product_rules import NEW_PRODUCT, PRODUCT_FIELDS, check_product
from storefront.catalogue.service import Page, index_words, refresh_category_counts
from storefront.catalogue.slugs import slug_to_save
from storefront.db import database
from storefront.web import images

_DOLLARS = re.compile(r"\$?\s*([0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,8})(?:\.([0-9]{1,2}))?")
STOCK_FIELDS = ("stock", "availability", "expected_on")  # what fulfilment staff may change
SEARCH_WORDS = ("name", "sku", "description")  # what the word index is made of
MAX_IMAGES = 12
IMAGE_FOLDER = "products"
IMAGE_LIMITS = images.Limits()  # a product photo's (under the request's cap: see images)


class CatalogueError(Exception):
    """A catalogue rule was broken: errors maps field names to messages staff may read."""

    def __init__(self, errors):
        super().__init__(next(iter(errors.values())))
        self.errors = errors


def cents(text):
    """Dollars as typed ('12', '12.5', '$1,299.00') in cents, or None."""
    match = _DOLLARS.fullmatch((text or "").strip())
    if not match:
        return None
    return int(match.group(1).replace(",", "")) * 100 + \
        int((match.group(2) or "0").ljust(2, "0"))


def _field_values(product):
    """The product's fields by name, as the rules and the history take them."""
    return {"name": product.name, "slug": product.slug, "description": product.description,
            "price_cents": product.price_cents, "sku": product.sku,
            "weight_grams": product.weight_grams, "stock": product.stock,
            "availability": product.availability, "expected_on": product.expected_on,
            "category_id": product.category_id}


def product_errors(values, product=None):
    """check_product, then the database: the slug (or one made from the name) and the SKU
    free, the category there. For the form, and for a preview without writing."""
    clean, errors = check_product(values, _field_values(product) if product else None)
    own_id = product.id if product else 0
    if "slug" in clean:
        clean["slug"] = slug_to_save(Product, clean["slug"], clean.get("name", ""), own_id,
                                     errors)
    if clean.get("sku") and "sku" not in errors and Product.select().where(
            Product.sku == clean["sku"], Product.id != own_id).exists():
        errors["sku"] = "Another product has this SKU."
    if "category_id" in clean and "category_id" not in errors and not Category.select().where(
            Category.id == clean["category_id"]).exists():
        errors["category_id"] = "Choose a category."
    return clean, errors


def _category_name(category_id):
    category = Category.get_or_none(Category.id == category_id) if category_id else None
    return category.name if category else None


@dataclass
class SaveResult:
    """What save_product did."""

    product: Product
    changes: dict  # {field: [old, new]} as recorded
    created: bool


def save_product(product, values, staff_id, pictures=(), media_root=None):
    """Create a product (product None: every field) or change the fields given; pictures
    (file contents) are checked with the fields and added after the product's own. One
    transaction: CatalogueError (every problem by field) or IntegrityError leave nothing
    behind, no row and no file. Keeps the word index and the category counts right."""
    clean, errors = product_errors(values, product)
    checked = _check_pictures(product, pictures, errors)
    if errors:
        raise CatalogueError(errors)
    created = product is None
    before = {} if created else _field_values(product)
    stored = []
    try:
        with database.atomic():
            if created:
                product = Product.create(**{**NEW_PRODUCT, **clean})
            elif clean:
                for name, value in clean.items():
                    setattr(product, name, value)
                product.save(only=[getattr(Product, name) for name in clean])
            now = _field_values(product)
            changes = changes_between(
                before, {name: now[name] for name in (PRODUCT_FIELDS if created else clean)},
                _category_name)
            if checked:
                changes["images"] = _add_pictures(product, checked, media_root, stored)
            PRODUCTS.record(product.id, staff_id, changes)
            if created or set(changes) & set(SEARCH_WORDS):
                index_words(product)
            if created or "category" in changes:
                refresh_category_counts()
    except BaseException as error:
        images.remove(media_root, *[name for s in stored for name in (s.filename, s.thumbnail)])
        if isinstance(error, IntegrityError):  # the SKU or slug taken since the check
            raise CatalogueError({"sku": "Another product took this SKU or address a moment "
                                         "ago. Check them and save again."}) from None
        raise
    return SaveResult(product, changes, created)


def _check_pictures(product, pictures, errors):
    """Each picture checked by content; the first problem goes next to the images field."""
    pictures = [data for data in pictures if data]
    have = 0 if product is None else product.images.count()
    if have + len(pictures) > MAX_IMAGES:
        errors["images"] = f"A product may have at most {MAX_IMAGES} pictures."
        return []
    checked = []
    for number, data in enumerate(pictures, 1):
        try:
            checked.append(images.check(data, IMAGE_LIMITS))
        except images.ImageRejected as error:
            which = f"Picture {number}: " if len(pictures) > 1 else ""
            errors["images"] = f"{which}{error}"
            return []
    return checked


def _add_pictures(product, checked, media_root, stored):
    """Store the pictures after the product's own (the first ever is the primary one, whose
    thumbnail listings show); [old names, new names] for the history."""
    existing = list(product.images.order_by(ProductImage.position, ProductImage.id))
    position = existing[-1].position + 1 if existing else 0
    for offset, picture in enumerate(checked):
        saved = images.store(picture, media_root, IMAGE_FOLDER)
        stored.append(saved)
        ProductImage.create(product=product, filename=saved.filename, thumbnail=saved.thumbnail,
                            width=saved.width, height=saved.height, position=position + offset)
    _set_primary(product)
    before = [image.filename for image in existing]
    return [before, before + [saved.filename for saved in stored]]


def _set_primary(product):
    first = product.images.order_by(ProductImage.position, ProductImage.id).first()
    product.image = first.thumbnail if first else None
    product.save(only=[Product.image])


def remove_image(product, image_id, staff_id, media_root):
    """Remove one of the product's pictures (the next becomes primary) and its files."""
    with database.atomic():
        image = ProductImage.get_or_none(ProductImage.id == image_id,
                                         ProductImage.product == product)
        if image is None:
            raise CatalogueError({"images": "That picture is not one of this product's."})
        before = [row.filename for row in product.images.order_by(ProductImage.position,
                                                                  ProductImage.id)]
        image.delete_instance()
        _set_primary(product)
        PRODUCTS.record(product.id, staff_id,
                        {"images": [before, [name for name in before if name != image.filename]]})
    images.remove(media_root, image.filename, image.thumbnail)  # only once the row is gone


def set_hidden(product, hidden, staff_id):
    """Hide a product from the shop (its page, listings and search) or show it again."""
    if product.is_hidden == hidden:
        return
    with database.atomic():
        Product.update(is_hidden=hidden).where(Product.id == product.id).execute()
        PRODUCTS.record(product.id, staff_id, {"is_hidden": [product.is_hidden, hidden]})
        product.is_hidden = hidden
        refresh_category_counts()


def find_products(text, category_id, availability, number, size):
    """Products for the back office, hidden ones too, newest first: name or SKU containing
    text, in a category, with an availability (each filter optional)."""
    query = Product.select(Product, Category).join(Category)
    if text:
        query = query.where(Product.name.contains(text) | Product.sku.contains(text))
    if category_id:
        query = query.where(Product.category == category_id)
    if availability:
        query = query.where(Product.availability == availability)
    rows = list(query.order_by(Product.created_at.desc(), Product.id.desc())
                .limit(size + 1).offset((number - 1) * size))
    return Page(rows[:size], number, len(rows) > size)
