"""Gift cards and their balance ledger. A code is kept only as a hash and its last four."""
from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from storefront.db import BaseModel, utcnow


class GiftCard(BaseModel):
    code_hash = CharField(max_length=64, unique=True)  # SHA-256 of the normalised code
    last_four = CharField(max_length=4)
    initial_cents = IntegerField()
    balance_cents = IntegerField()  # the ledger's sum, kept for a conditional update
    recipient_name = CharField(max_length=120)
    recipient_email = CharField(max_length=254)
    sender_name = CharField(max_length=120)
    message = TextField(default="")
    order_number = CharField(max_length=16, index=True)  # the order that bought it
    issued_at = DateTimeField(default=utcnow)


class GiftCardEntry(BaseModel):
    """One movement of a gift card's balance: issued (+), redeemed (-), restored (+)."""

    ISSUED, REDEEMED, RESTORED = "issued", "redeemed", "restored"

    gift_card = ForeignKeyField(GiftCard, backref="entries", on_delete="CASCADE")
    kind = CharField(max_length=10)
    amount_cents = IntegerField()  # signed
    order_number = CharField(max_length=16, index=True)
    at = DateTimeField(default=utcnow)
