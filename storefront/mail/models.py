"""The outbox: a mail is a row written in the same transaction as the change that caused it.

The worker (storefront.mail.delivery) claims due rows, sends them over SMTP and records the
outcome here. A row carries everything its message is made of (Message-ID, Date, both
bodies), so a retry after a crash sends the very same message.
"""
from peewee import SQL, Case, CharField, DateTimeField, IntegerField, TextField, fn

from storefront.db import BaseModel, utcnow


def address_is(column, key):
    """SQL: the address stored in column is the one whose email key is `key` (the address
    normalised and lower-cased, as Customer.email_key and the consent ledger keep it).

    Addresses are stored normalised, so the rule is "the stored address lower-cased is the
    key". SQLite lower-cases ASCII letters only: for a key with other letters this selects
    the addresses at the key's domain, and the caller keeps those `has_key` accepts."""
    if key.isascii():
        return fn.LOWER(column) == key
    return column.endswith("@" + key.rpartition("@")[2])


def has_key(address, key):
    """The address_is rule in Python: the stored (normalised) address lower-cased is key."""
    return address.lower() == key


class OutboxMessage(BaseModel):
    PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
    WITHHELD = "withheld"  # marketing whose recipient withdrew consent before delivery
    # Mail whose text is a secret of its recipient: a gift card's code, a link that
    # changes their consent (undo an opt-out, refuse a new use) or opens an account for
    # their order. Mail with an unsubscribe_url is one too. Staff never see its text, and
    # the worker forgets it once the message is delivered (see holds_secret).
    SECRET_CATEGORIES = frozenset({"gift_card", "consent_notice", "consent_welcome",
                                   "policy_notice", "email_confirm", "account_invitation"})

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

    @property
    def holds_secret(self):
        """Whether the text carries a code or a link only its recipient may use."""
        return self.category in self.SECRET_CATEGORIES or bool(self.unsubscribe_url)

    @classmethod
    def to_person(cls, customer_id, key, limit):
        """Mail to a person, newest first, at most limit: the mail naming their account,
        and the mail sent to their address (key: its email key) whatever the spelling."""
        query = cls.select().where((cls.customer_id == customer_id)
                                   | address_is(cls.recipient, key)) \
            .order_by(cls.created_at.desc(), cls.id.desc())
        if key.isascii():
            return list(query.limit(limit))
        return [row for row in query
                if row.customer_id == customer_id or has_key(row.recipient, key)][:limit]

    @classmethod
    def about_order(cls, order_number, limit):
        """Mail about an order, newest first, at most limit."""
        return list(cls.select().where(cls.order_number == order_number)
                    .order_by(cls.created_at.desc(), cls.id.desc()).limit(limit))

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
