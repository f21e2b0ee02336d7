"""The outbox: a mail is a row written in the same transaction as the change that caused it.

Delivery (the worker, retries, backoff) belongs to the mail issue; until then rows wait here,
none is lost, and each already carries the Message-ID every retry will reuse.
"""
from peewee import CharField, DateTimeField, IntegerField, TextField

from storefront.db import BaseModel, utcnow


class OutboxMessage(BaseModel):
    PENDING, SENT, FAILED = "pending", "sent", "failed"

    message_id = CharField(max_length=200, unique=True)
    category = CharField(max_length=40)  # what kind of mail: gift_card, ...
    recipient = CharField(max_length=254)
    subject = CharField(max_length=200)
    body_text = TextField()
    body_html = TextField(default="")
    status = CharField(max_length=10, default=PENDING)
    attempts = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("status", "created_at"), False), (("recipient",), False))
