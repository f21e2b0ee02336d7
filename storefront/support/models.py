"""Customer Care's records: correspondence (P10), contact-form messages and mail sent to the
care address, with the replies care sent; and call notes (P4). Only care staff read them;
they never leave the shop (no export, report or payload)."""
from peewee import CharField, DateTimeField, ForeignKeyField, TextField

from storefront.accounts.models import Customer, StaffUser
from storefront.db import BaseModel, utcnow
from storefront.mail.models import OutboxMessage, address_is, has_key
from storefront.orders.models import Order


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

    @classmethod
    def of_customer(cls, customer):
        """The messages the account sent signed in, and those from its address whatever the
        spelling (the rule of mail.models.address_is), newest first."""
        query = cls.select().where((cls.customer == customer)
                                   | address_is(cls.sender_email, customer.email_key)) \
            .order_by(cls.received_at.desc(), cls.id.desc())
        if customer.email_key.isascii():
            return list(query)
        return [row for row in query if row.customer_id == customer.id
                or has_key(row.sender_email, customer.email_key)]


class CareReply(BaseModel):
    """An answer care sent to a message, through the outbox: kept so the next associate sees
    what the sender was told."""

    correspondence = ForeignKeyField(Correspondence, backref="replies", on_delete="CASCADE")
    staff = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", backref="+")
    body = TextField()
    sent_at = DateTimeField(default=utcnow)
    mail = ForeignKeyField(OutboxMessage, null=True, on_delete="SET NULL", backref="+")
    form_key = CharField(max_length=36, null=True, unique=True)  # one click, one reply


class CallNote(BaseModel):
    """What was said on a call (P4), on a customer, on an order, or both (a guest's order has
    no account)."""

    customer = ForeignKeyField(Customer, null=True, backref="call_notes", on_delete="CASCADE")
    order = ForeignKeyField(Order, null=True, backref="call_notes", on_delete="CASCADE")
    staff = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL", backref="+")
    body = TextField()
    created_at = DateTimeField(default=utcnow, index=True)
    form_key = CharField(max_length=36, null=True, unique=True)  # one click, one note
