"""Saved cards (sealed for the processor, P5) and authorizations at the processor."""
from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from storefront.accounts.models import Customer
from storefront.db import BaseModel, utcnow


class SavedCard(BaseModel):
    """A card kept with the account. The shop knows only what it may show (P21)."""

    customer = ForeignKeyField(Customer, backref="saved_cards", on_delete="CASCADE")
    sealed = TextField()  # sealed with the processor's public key: the shop cannot open it
    brand = CharField(max_length=20)
    first_digit = CharField(max_length=1)
    last_four = CharField(max_length=4)
    exp_month = IntegerField()
    exp_year = IntegerField()
    holder_name = CharField(max_length=120)
    created_at = DateTimeField(default=utcnow)

    @classmethod
    def of_customer(cls, customer):
        """The customer's saved cards, newest first."""
        return cls.select().where(cls.customer == customer).order_by(cls.id.desc())


class Payment(BaseModel):
    """An authorization at the processor for one order: captured at shipment, voided or
    refunded for cancelled lines."""

    # the processor's own words for an authorization's state
    AUTHORIZED, PARTIALLY_CAPTURED, CAPTURED, VOIDED, REFUNDED, PARTIALLY_REFUNDED = (
        "authorized", "partially_captured", "captured", "voided", "refunded",
        "partially_refunded")

    order_number = CharField(max_length=16, index=True)
    authorization_id = CharField(max_length=64, unique=True)
    amount_cents = IntegerField()
    captured_cents = IntegerField(default=0)
    refunded_cents = IntegerField(default=0)
    status = CharField(max_length=20, default=AUTHORIZED)
    created_at = DateTimeField(default=utcnow)

    @classmethod
    def of_order(cls, order_number):
        """The authorizations for the order number, the first first."""
        return list(cls.select().where(cls.order_number == order_number).order_by(cls.id))


class PaymentAttempt(BaseModel):
    """One attempt to pay for an order number, claimed before the processor is called.

    The unique claim lets exactly one request talk to the processor for a number: a second
    click waits for the first one's order instead of racing it (and voiding its payment).
    """

    CLAIMED, DECLINED, UNAVAILABLE, RELEASED = "claimed", "declined", "unavailable", "released"

    order_number = CharField(max_length=16, unique=True)
    amount_cents = IntegerField()
    outcome = CharField(max_length=12, default=CLAIMED)  # claimed until it fails or is swept
    message = CharField(max_length=300, default="")  # what the shopper was told on failure
    created_at = DateTimeField(default=utcnow, index=True)
