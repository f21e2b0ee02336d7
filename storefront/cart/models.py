"""Carts: one per visitor cookie (guest) or per customer, with the client's IP (P8)."""
from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from storefront.accounts.models import Customer
from storefront.catalogue.models import Product
from storefront.db import BaseModel, utcnow


class Cart(BaseModel):
    visitor = CharField(max_length=64, null=True, unique=True)  # set while the cart is a guest's
    customer = ForeignKeyField(Customer, null=True, unique=True, backref="carts",
                               on_delete="CASCADE")
    ip = CharField(max_length=45, default="")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)


class CartLine(BaseModel):
    cart = ForeignKeyField(Cart, backref="lines", on_delete="CASCADE")
    product = ForeignKeyField(Product, on_delete="CASCADE")
    quantity = IntegerField()
    added_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("cart", "product"), True),)


class CartGiftCard(BaseModel):
    """A gift card waiting in the cart: issued, and its code mailed, when the order is paid."""

    cart = ForeignKeyField(Cart, backref="gift_cards", on_delete="CASCADE")
    amount_cents = IntegerField()
    recipient_name = CharField(max_length=120)
    recipient_email = CharField(max_length=254)
    sender_name = CharField(max_length=120)
    message = TextField(default="")
    added_at = DateTimeField(default=utcnow)
