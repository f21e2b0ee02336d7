"""Marketing (P1, P6, P7, P11): catalogue requests, promotions and their codes, contests and
their draws, campaigns, and the "bought together" counts behind recommendations."""
from peewee import (BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField,
                    TextField)

from storefront.accounts.models import PostalAddress
from storefront.catalogue.models import Product
from storefront.db import BaseModel, utcnow
from storefront.partners.models import Partner
from storefront.privacy.models import AppendOnly


class CatalogueRequest(PostalAddress):
    """A request for the printed catalogue (P1). kind is always "shipping"."""

    email = CharField(max_length=254, default="")  # optional
    address_key = CharField(max_length=400, index=True)  # normalised: one per address
    requested_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True, index=True)  # exported to the mail house
    ip = CharField(max_length=45, default="")


class Promotion(BaseModel):
    """A promotion page (P6), listed while live; a partner's shows inside its co-brand."""

    title = CharField(max_length=120)
    slug = CharField(max_length=80, unique=True)
    body = TextField(default="")  # Markdown written by staff
    image = CharField(max_length=200, default="")
    starts_at = DateTimeField(index=True)
    ends_at = DateTimeField(index=True)
    partner = ForeignKeyField(Partner, null=True, backref="promotions", on_delete="SET NULL")
    created_by_id = IntegerField(null=True)
    created_at = DateTimeField(default=utcnow)


class PromoCode(BaseModel):
    """A code giving a percentage or a fixed amount off at checkout, within limits."""

    PERCENT, FIXED = "percent", "fixed"

    code = CharField(max_length=32, unique=True)  # upper case
    promotion = ForeignKeyField(Promotion, null=True, backref="codes", on_delete="SET NULL")
    kind = CharField(max_length=8)
    amount = IntegerField()  # a percentage (1-100) or cents off
    min_order_cents = IntegerField(default=0)
    max_uses = IntegerField(null=True)  # None: no limit
    uses = IntegerField(default=0)
    starts_at = DateTimeField()
    expires_at = DateTimeField()
    is_active = BooleanField(default=True)


class Contest(BaseModel):
    """A contest (P6): rules, dates, prizes, and which demographics its entry form asks."""

    OFF, OPTIONAL, REQUIRED = "off", "optional", "required"

    title = CharField(max_length=120)
    slug = CharField(max_length=80, unique=True)
    rules = TextField(default="")  # Markdown written by staff
    prizes = TextField(default="")
    starts_at = DateTimeField()
    ends_at = DateTimeField(index=True)
    winners = IntegerField(default=1)
    zip_code = CharField(max_length=8, default=OPTIONAL)
    age_band = CharField(max_length=8, default=OPTIONAL)
    income_band = CharField(max_length=8, default=OPTIONAL)
    partner = ForeignKeyField(Partner, null=True, backref="contests", on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)


class ContestEntry(BaseModel):
    """One entry: one per address per contest. Its demographics feed only k-suppressed
    aggregate reports, never a partner."""

    contest = ForeignKeyField(Contest, backref="entries", on_delete="CASCADE")
    email = CharField(max_length=254)
    email_key = CharField(max_length=254)
    zip_code = CharField(max_length=10, default="")
    age_band = CharField(max_length=10, default="")
    income_band = CharField(max_length=12, default="")
    entered_at = DateTimeField(default=utcnow)
    ip = CharField(max_length=45, default="")

    class Meta:
        indexes = ((("contest", "email_key"), True),)


class ContestDraw(AppendOnly):
    """A contest's draw, recorded for good: who drew, when, the eligible entries in the
    order they were drawn from (ids, JSON) and the winners (ids, JSON)."""

    contest = ForeignKeyField(Contest, unique=True, backref="draws", on_delete="CASCADE")
    drawn_by_id = IntegerField()
    drawn_at = DateTimeField(default=utcnow)
    eligible = TextField()
    winners = TextField()


class Campaign(BaseModel):
    """A marketing mail to an audience that consented to its purpose (P7, P11)."""

    DRAFT, SENDING, SENT = "draft", "sending", "sent"

    subject = CharField(max_length=200)
    body = TextField()  # Markdown written by staff: the text and HTML parts come from it
    purpose = CharField(max_length=40)
    audience = CharField(max_length=100)  # comma-separated: registered, customers, catalogue
    partner = ForeignKeyField(Partner, null=True, backref="campaigns", on_delete="SET NULL")
    status = CharField(max_length=10, default=DRAFT)
    total = IntegerField(default=0)  # recipients when sending began
    queued = IntegerField(default=0)  # messages written to the outbox so far
    created_by_id = IntegerField(null=True)
    created_at = DateTimeField(default=utcnow)
    started_at = DateTimeField(null=True)
    finished_at = DateTimeField(null=True)


class BoughtTogether(BaseModel):
    """How many orders held both products: kept up to date as orders are placed, so a
    product page reads its recommendations with one indexed query."""

    product = ForeignKeyField(Product, backref="+", on_delete="CASCADE")
    other = ForeignKeyField(Product, backref="+", on_delete="CASCADE")
    orders = IntegerField(default=0)

    class Meta:
        indexes = ((("product", "other"), True), (("product", "orders"), False))
