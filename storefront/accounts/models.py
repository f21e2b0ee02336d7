"""Customers, their addresses and phones, staff users, login sessions and attempts."""
from flask_login import UserMixin
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField

from storefront.db import BaseModel, utcnow
from storefront.partners.models import Partner
from storefront.tracking.models import Touch

# "partner": a partner's own staff, who see only that partner's customers (P16)
STAFF_ROLES = ("care", "fulfilment", "marketing", "legal", "admin", "partner")


class SignedIn(UserMixin):
    """flask-login's view of a signed-in account: its id is the session, not the account.

    So ending the session row signs out every copy of the cookie.
    """

    session_id = None
    is_staff = False

    def get_id(self):
        """What flask-login keeps in the cookie: the session, never the account id."""
        return self.session_id


class Customer(SignedIn, BaseModel):
    name = CharField(max_length=120)
    email = CharField(max_length=254)
    email_key = CharField(max_length=254, unique=True)  # lower-cased: unique case-insensitively
    password_hash = CharField(max_length=255)
    created_at = DateTimeField(default=utcnow)
    # Where the customer came from (P16, P18): the co-brand they registered in, the touches.
    partner = ForeignKeyField(Partner, null=True, backref="customers", on_delete="SET NULL")
    first_touch = ForeignKeyField(Touch, null=True, on_delete="SET NULL", backref="+")
    last_touch = ForeignKeyField(Touch, null=True, on_delete="SET NULL", backref="+")
    erased_at = DateTimeField(null=True)  # the person deleted the account: details anonymised
    personalized = BooleanField(default=True)  # recommendations and recently viewed (P11)

    @classmethod
    def by_email_key(cls, email_key):
        """The customer whose lower-cased, normalised email is email_key, or None."""
        return cls.get_or_none(cls.email_key == email_key)

    @classmethod
    def open_account(cls, customer_id):
        """The account with this id, or None when there is none or its holder deleted it."""
        return cls.get_or_none(cls.id == customer_id, cls.erased_at.is_null())

    def address(self, kind):
        """The shipping or billing Address, or None."""
        return self.addresses.where(Address.kind == kind).first()

    def phone(self, kind):
        """The day or evening Phone, or None."""
        return self.phones.where(Phone.kind == kind).first()


class PostalAddress(BaseModel):
    """The fields of a postal address, shared by an account's addresses and an order's copy
    of them (a base for models, never a table of its own)."""

    SHIPPING, BILLING = "shipping", "billing"

    kind = CharField(max_length=10)
    name = CharField(max_length=120)
    line1 = CharField(max_length=120)
    line2 = CharField(max_length=120, default="")
    city = CharField(max_length=80)
    region = CharField(max_length=80, default="")
    postal_code = CharField(max_length=16)
    country = CharField(max_length=2)


class Address(PostalAddress):
    customer = ForeignKeyField(Customer, backref="addresses", on_delete="CASCADE")

    class Meta:
        indexes = ((("customer", "kind"), True),)


class Phone(BaseModel):
    DAY, EVENING = "day", "evening"

    customer = ForeignKeyField(Customer, backref="phones", on_delete="CASCADE")
    kind = CharField(max_length=10)
    number = CharField(max_length=20)  # E.164

    class Meta:
        indexes = ((("customer", "kind"), True), (("number",), False))


class StaffUser(SignedIn, BaseModel):
    is_staff = True
    name = CharField(max_length=120)
    email = CharField(max_length=254)
    email_key = CharField(max_length=254, unique=True)
    password_hash = CharField(max_length=255)
    roles = CharField(max_length=100)  # space-separated names from STAFF_ROLES
    partner = ForeignKeyField(Partner, null=True, backref="staff", on_delete="CASCADE")
    is_active = BooleanField(default=True)
    # Set when someone else chose the password (an admin adding a login or resetting one):
    # the member must choose their own at the next sign-in before anything else.
    must_change_password = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)

    @classmethod
    def by_email_key(cls, email_key):
        """The staff user whose lower-cased email is email_key, or None."""
        return cls.get_or_none(cls.email_key == email_key)

    @classmethod
    def ordered(cls):
        """Every staff account, by email."""
        return cls.select().order_by(cls.email_key)

    @property
    def role_set(self):
        """The roles as a set of names."""
        return frozenset(self.roles.split())


class AccountSession(BaseModel):
    """A server-side login: the cookie holds only a random token, its hash is stored here.

    Deleting the row ends the session everywhere, whatever copies of the cookie exist.
    """

    token_hash = CharField(max_length=64, unique=True)
    customer = ForeignKeyField(Customer, null=True, backref="sessions", on_delete="CASCADE")
    staff = ForeignKeyField(StaffUser, null=True, backref="sessions", on_delete="CASCADE")
    remembered = BooleanField(default=False)  # "keep me signed in": lasts 30 days, not a day
    created_at = DateTimeField(default=utcnow)
    last_seen = DateTimeField(default=utcnow, index=True)
    ip = CharField(max_length=45, default="")


class LoginAttempt(BaseModel):
    """One login try. The account is recorded as a keyed hash of the email, not the email."""

    realm = CharField(max_length=10)  # customer or staff
    subject = CharField(max_length=64)
    ip = CharField(max_length=45)
    succeeded = BooleanField()
    at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("realm", "subject", "at"), False), (("realm", "ip", "at"), False),
                   (("at",), False))
