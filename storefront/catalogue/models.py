"""Categories and products."""
from peewee import (BooleanField, CharField, DateField, DateTimeField, ForeignKeyField,
                    IntegerField, TextField)

from storefront.db import BaseModel, utcnow


class Availability:
    """The four availability states and what each allows."""

    AVAILABLE = "available"
    ON_RESERVE = "on_reserve"
    OUT_OF_STOCK = "out_of_stock"
    DISCONTINUED = "discontinued"

    LABELS = {
        AVAILABLE: "Available",
        ON_RESERVE: "On reserve — order now, ships later",
        OUT_OF_STOCK: "Out of stock",
        DISCONTINUED: "Discontinued",
    }
    ORDERABLE = (AVAILABLE, ON_RESERVE)


class Category(BaseModel):
    name = CharField(max_length=100)
    slug = CharField(max_length=100, unique=True)
    description = TextField(default="")
    position = IntegerField(default=0)
    product_count = IntegerField(default=0)  # kept by the catalogue service; no COUNT(*) per page
    is_hidden = BooleanField(default=False)  # out of the menu, its page gone; products untouched

    @classmethod
    def ordered(cls):
        """Categories in menu order."""
        return cls.select().order_by(cls.position, cls.name)


class Product(BaseModel):
    sku = CharField(max_length=64, unique=True)
    slug = CharField(max_length=160, unique=True)
    name = CharField(max_length=150)
    description = TextField(default="")
    price_cents = IntegerField()
    stock = IntegerField(default=0)
    availability = CharField(max_length=20, default=Availability.AVAILABLE)
    expected_on = DateField(null=True)  # when an on-reserve item is expected to ship
    weight_grams = IntegerField(default=0)
    image = CharField(max_length=200, null=True)  # path under instance/media
    category = ForeignKeyField(Category, backref="products", on_delete="RESTRICT")
    created_at = DateTimeField(default=utcnow)
    is_hidden = BooleanField(default=False)

    class Meta:
        # A category page reads ids from one of these covering indexes (no table row is
        # touched while OFFSET skips), then fetches only its 24 rows by id.
        indexes = (
            (("category", "is_hidden", "price_cents", "id"), False),
            (("category", "is_hidden", "name", "id"), False),
            (("category", "is_hidden", "created_at", "id"), False),
            (("created_at", "id"), False),
        )

    @classmethod
    def visible(cls, *fields):
        """Products shoppers may see (hidden ones are left out)."""
        return cls.select(*fields).where(cls.is_hidden == False)  # noqa: E712 (SQL, not Python)

    @property
    def availability_label(self):
        """The availability as shoppers read it."""
        return Availability.LABELS.get(self.availability, self.availability)

    @property
    def orderable(self):
        """True when the product can go into a cart."""
        return self.availability in Availability.ORDERABLE


class ProductWord(BaseModel):
    """A portable inverted index: one row per distinct word of a product's name and text."""

    word = CharField(max_length=40)
    product = ForeignKeyField(Product, backref="words", on_delete="CASCADE")

    class Meta:
        primary_key = False
        indexes = ((("word", "product"), True),)


class ProductImage(BaseModel):
    """A picture of a product, checked by its content when uploaded and stored under
    instance/media/ with a generated name, with its thumbnail."""

    product = ForeignKeyField(Product, backref="images", on_delete="CASCADE")
    filename = CharField(max_length=200)  # paths under instance/media
    thumbnail = CharField(max_length=200)
    width = IntegerField()
    height = IntegerField()
    position = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)


class ProductChange(BaseModel):
    """One change of a product by staff, for its history: who, when, each field's old and new
    value."""

    product = ForeignKeyField(Product, backref="changes", on_delete="CASCADE")
    staff_id = IntegerField(null=True, index=True)  # catalogue sits below accounts: no FK
    at = DateTimeField(default=utcnow)
    changes = TextField()  # JSON: {"field": [old, new], ...}


class CategoryChange(BaseModel):
    """One change of a category by staff (its creation included), for its history, in the
    same shape as ProductChange."""

    category = ForeignKeyField(Category, backref="changes", on_delete="CASCADE")
    staff_id = IntegerField(null=True, index=True)  # catalogue sits below accounts: no FK
    at = DateTimeField(default=utcnow)
    changes = TextField()  # JSON: {"field": [old, new], ...}
