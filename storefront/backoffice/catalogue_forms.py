"""The catalogue's back-office forms. They hold text as typed and turn it into plain values for
catalogue.editing, which owns every rule and its message (a value that cannot be read is
passed on as None, and refused there next to its field)."""
from datetime import date

from flask_wtf import FlaskForm
from wtforms import (BooleanField, Field, MultipleFileField, RadioField, SelectChoice,
                     SelectField, StringField, TextAreaField)
from wtforms.validators import Length

from storefront.catalogue import editing
from storefront.catalogue.models import Availability, Category, Product
from storefront.web.fields import strip
from storefront.web.params import whole_number

# The service's field names that a form shows under another name.
FORM_NAMES = {"price_cents": "price", "category_id": "category"}


def _date(text):
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return None


def _id(text):
    return whole_number(text) or None


class StockFields:
    """Stock, availability and expected date: what fulfilment staff may change."""

    stock = StringField("Units in stock", filters=[strip], validators=[Length(max=12)],
                        render_kw={"inputmode": "numeric"})
    availability = RadioField("Availability", choices=[
        SelectChoice(value, label) for value, label in Availability.LABELS.items()],
        validate_choice=False)
    expected_on = StringField("Expected on (for an item on reserve)", filters=[strip],
                              validators=[Length(max=10)], render_kw={"type": "date"})

    def stock_values(self):
        return {"stock": whole_number(self.stock.data), "availability": self.availability.data,
                "expected_on": _date(self.expected_on.data)}


class DetailFields:
    """What admin staff write about a product."""

    name = StringField("Name", filters=[strip],
                       validators=[Length(max=Product.name.max_length)])
    slug = StringField("Address (slug)", filters=[strip],
                       validators=[Length(max=Product.slug.max_length)])
    description = TextAreaField("Description (Markdown)", filters=[strip],
                                validators=[Length(max=20_000)],
                                render_kw={"rows": 8, "cols": 46})
    price = StringField("Price (dollars)", filters=[strip], validators=[Length(max=16)])
    sku = StringField("SKU", filters=[strip], validators=[Length(max=Product.sku.max_length)],
                      render_kw={"autocomplete": "off"})
    weight_grams = StringField("Weight (grams)", filters=[strip], validators=[Length(max=12)],
                               render_kw={"inputmode": "numeric"})
    category = SelectField("Category", validate_choice=False)

    def detail_values(self):
        return {"name": self.name.data, "slug": (self.slug.data or "").lower(),
                "description": self.description.data or "",
                "price_cents": editing.cents(self.price.data), "sku": self.sku.data,
                "weight_grams": whole_number(self.weight_grams.data),
                "category_id": _id(self.category.data)}


class DetailsForm(FlaskForm, DetailFields):
    """Changing an existing product's details (its stock has a form of its own)."""


class NewProductForm(FlaskForm, DetailFields, StockFields):
    """A new product: everything at once, pictures included."""

    images = MultipleFileField("Pictures (JPEG, PNG, WebP or GIF; the first is the main one)",
                               render_kw={"accept": "image/jpeg,image/png,image/webp,image/gif"})


class StockForm(FlaskForm, StockFields):
    confirm = BooleanField("I am sure: cancel the open orders' lines of this product")


class ImagesForm(FlaskForm):
    images = MultipleFileField("Add pictures (JPEG, PNG, WebP or GIF)", render_kw={
        "accept": "image/jpeg,image/png,image/webp,image/gif"})


def pictures(field):
    """The contents of the files chosen in a file field (none chosen: an empty list)."""
    return [upload.read() for upload in field.data or [] if getattr(upload, "filename", "")]


class CategoryForm(FlaskForm):
    name = StringField("Name", filters=[strip],
                       validators=[Length(max=Category.name.max_length)])
    slug = StringField("Address (slug)", filters=[strip],
                       validators=[Length(max=Category.slug.max_length)])
    description = TextAreaField("Description", filters=[strip],
                                validators=[Length(max=5_000)], render_kw={"rows": 4})
    position = StringField("Position in the menu", filters=[strip], default="0",
                           validators=[Length(max=6)], render_kw={"inputmode": "numeric"})
    is_hidden = BooleanField("Hidden from shoppers")

    def values(self):
        return {"name": self.name.data, "slug": (self.slug.data or "").lower(),
                "description": self.description.data or "",
                "position": whole_number(self.position.data), "is_hidden": self.is_hidden.data}


def attach(form, error):
    """Each of a CatalogueError's messages next to its field (or at the top of the form)."""
    for name, message in error.errors.items():
        field = getattr(form, FORM_NAMES.get(name, name), None)
        if isinstance(field, Field):
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)
