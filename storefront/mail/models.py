"""The outbox: a mail is a row written in the same transaction as the change that caused it.

The worker (storefront.mail.delivery) claims due rows, sends them over SMTP and records the
outcome here. A row carries everything its message is made of (Message-ID, Date, both
bodies), so a retry after a crash sends the very same message.
"""
from peewee import SQL, Case, CharField, DateTimeField, IntegerField, TextField, fn

from storefront.db import BaseModel, utcnow


class OutboxMessage(BaseModel):
    PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
    WITHHELD = "withheld"  # marketing whose recipient withdrew consent before delivery

    message_id = CharField(max_length=200, unique=True)
    category = CharField(max_length=40)  # what kind of mail: gift_card, ...
    recipient = CharField(max_length=254)
    # The customer's id, not a foreign key: mail sits below accounts and imports nothing of it.
    customer_id = IntegerField(null=True, index=True)
    order_number = CharField(max_length=16, default="", index=True)
    # Marketing only: the consent purpose it needs (checked again before delivery) and the
    # one-click unsubscribe link its List-Unsubscribe header carries.
    purpose = CharField(max_length=40, default="")
    unsubscribe_url = CharField(max_length=500, default="")
    campaign_id = IntegerField(null=True, index=True)  # marketing: the campaign it belongs to
    subject = CharField(max_length=200)
    body_text = TextField()
    body_html = TextField(default="")
    status = CharField(max_length=10, default=PENDING)
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(default=utcnow)
    claimed_until = DateTimeField(null=True)  # a worker's lease while status is sending
    last_error = CharField(max_length=300, default="")  # what the SMTP server said, never a body
    created_at = DateTimeField(default=utcnow)  # also the Date header, fixed at enqueue
    sent_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("status", "created_at"), False), (("recipient",), False),
                   (("status", "next_attempt_at"), False))

    @classmethod
    def due(cls, now):
        """Rows a worker may claim: pending and due, or sending with an expired lease (the
        worker that claimed them stopped without finishing)."""
        return cls.select().where(
            ((cls.status == cls.PENDING) & (cls.next_attempt_at <= now))
            | ((cls.status == cls.SENDING) & (cls.claimed_until < now))
        ).order_by(cls.next_attempt_at, cls.id)

    @classmethod
    def for_staff(cls, search=""):
        """Failed first, then waiting (pending or sending), then sent; newest first within
        each. `search` matches the recipient's email (part of it) or an order number."""
        rank = Case(cls.status, ((cls.FAILED, 0), (cls.PENDING, 1), (cls.SENDING, 1)), 2)
        query = cls.select().order_by(rank, cls.created_at.desc(), cls.id.desc())
        search = search.strip()
        if search:
            query = query.where(cls.recipient.contains(search)
                                | (cls.order_number == search.upper()))
        return query

    @classmethod
    def counts(cls):
        """How many rows are in each status: {status: count}."""
        return {row.status: row.n for row in
                cls.select(cls.status, fn.COUNT(SQL("*")).alias("n")).group_by(cls.status)}
