"""Correspondence with Customer Care (P10): contact-form messages and mail sent to the care
address. Only care staff read it; it never leaves the shop (no export, report or payload)."""
from peewee import CharField, DateTimeField, ForeignKeyField, TextField

from storefront.accounts.models import Customer, StaffUser
from storefront.db import BaseModel, utcnow


class Correspondence(BaseModel):
    CONTACT_FORM, EMAIL = "contact_form", "email"
    OPEN, CLOSED = "open", "closed"

    source = CharField(max_length=12)
    sender_name = CharField(max_length=120, default="")
    sender_email = CharField(max_length=254)
    customer = ForeignKeyField(Customer, null=True, backref="correspondence",
                               on_delete="SET NULL")
    subject = CharField(max_length=200, default="")
    body = TextField()
    message_id = CharField(max_length=200, null=True, unique=True)  # inbound mail's Message-ID
    status = CharField(max_length=10, default=OPEN)
    assigned_to = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", backref="+")
    received_at = DateTimeField(default=utcnow, index=True)
    closed_at = DateTimeField(null=True)
