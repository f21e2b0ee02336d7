"""Account rules: registration, sign-in with throttling, the password typed again; and the
checks of what a form gives (an account holder's own changes are in profile.py, staff accounts
in staff.py)."""
from dataclasses import dataclass, fields

from peewee import IntegrityError

from storefront.accounts import passwords, sessions, throttle
from storefront.accounts.contact import (ContactError, normalise_email, normalise_phone,
                                         normalise_postal_code)
from storefront.accounts.models import AccountSession, Address, Customer, LoginAttempt, Phone
from storefront.db import database
from storefront.privacy import mailing, publishing

LOGIN_REFUSED = "The email or password is not right."
EMAIL_TAKEN = "An account with this email already exists. Sign in instead."


class AccountError(Exception):
    """Rules about accounts were broken: errors maps form field names to messages."""

    def __init__(self, message, field=None, errors=None):
        super().__init__(message)
        self.errors = dict(errors or {field: message})


class LoginRefused(AccountError):
    """Wrong email, wrong password, locked or throttled: the message may be shown."""


@dataclass
class AddressData:
    name: str
    line1: str
    city: str
    postal_code: str
    country: str
    line2: str = ""
    region: str = ""

    @classmethod
    def fields_of(cls, row):
        """The address fields of a row (an account's or an order's address) as a dict; {} for
        None."""
        return {} if row is None else {name: getattr(row, name) for name in
                                       cls.__dataclass_fields__}

    @classmethod
    def of(cls, row):
        """An AddressData copied from a row."""
        return cls(**cls.fields_of(row))

    @classmethod
    def from_mapping(cls, mapping):
        """An AddressData from form data, ignoring other keys, stripped."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: (v or "").strip() for k, v in mapping.items() if k in names})


class Problems:
    """Collects every problem of a form, so all of them are shown at once."""

    def __init__(self):
        self.errors = {}

    def check(self, field, check, *args):
        """check(*args), or None with the ContactError's message kept for field."""
        try:
            return check(*args)
        except ContactError as error:
            self.errors.setdefault(field, str(error))
            return None

    def add(self, field, message):
        """Keep message for field (the first problem of a field is the one shown)."""
        self.errors.setdefault(field, message)

    def raise_any(self):
        """Raise one AccountError carrying every problem, if there is any."""
        if self.errors:
            raise AccountError(next(iter(self.errors.values())), errors=self.errors)


def email_key(raw):
    """The key an email is matched by: normalised and lower-cased (plain lower-case if invalid)."""
    try:
        return normalise_email(raw)[1]
    except ContactError:
        return (raw or "").strip().lower()


def check_address(problems, data, prefix):
    """The address (AddressData) with its postal code in its country's form; a problem is
    kept for the field `<prefix>-postal_code`."""
    data.postal_code = problems.check(f"{prefix}-postal_code", normalise_postal_code,
                                      data.postal_code, data.country) or data.postal_code
    return data


def check_phones(problems, day, evening, region):
    """{kind: number} of the day and evening numbers given (at least one is needed), read as
    numbers of region when they have no country code."""
    numbers = {}
    for kind, raw in ((Phone.DAY, day), (Phone.EVENING, evening)):
        if raw and raw.strip():
            number = problems.check(f"{kind}_phone", normalise_phone, raw, region)
            if number:
                numbers[kind] = number
    if not numbers and not problems.errors.keys() & {"day_phone", "evening_phone"}:
        problems.add("day_phone", "Give at least one phone number, for the day or the evening.")
    return numbers


def check_new_password(problems, password, min_length, email, field="password"):
    """Keep a problem for field when the new password breaks a rule (passwords.py)."""
    reasons = passwords.password_problems(password, min_length, email)
    if reasons:
        problems.add(field, " ".join(reasons))


def register_customer(name, email, password, shipping, billing, day_phone, evening_phone,
                      ip="", attribution=None, consents=None, address_proven=False):
    """Create a customer with addresses and phones. billing=None means same as shipping.

    Phone numbers without a country code are read as numbers of the shipping country.
    attribution (partner, first_touch_id, last_touch_id) says where the customer came from.
    consents ({purpose: ticked}) are the form's marketing boxes, recorded with the account.
    An IP that keeps trying emails that are taken (probing for accounts) is throttled, unless
    address_proven: the email came from a signed link mailed to it, so nobody is probing.
    """
    if not address_proven:
        try:
            throttle.check("register", "", ip, per_account=None)
        except throttle.Throttled as error:
            raise AccountError(str(error), "email") from None
    problems = Problems()
    if not name.strip():
        problems.add("name", "Enter your name.")
    normalised = problems.check("email", normalise_email, email)
    check_new_password(problems, password, passwords.CUSTOMER_MIN_LENGTH, email)
    shipping = check_address(problems, shipping, "shipping")
    billing = check_address(problems, billing, "billing") if billing else shipping
    numbers = check_phones(problems, day_phone, evening_phone, shipping.country)
    problems.raise_any()
    email, key = normalised
    if Customer.by_email_key(key) is not None:
        raise _taken(ip, address_proven)
    try:
        with database.atomic():
            customer = Customer.create(name=name.strip(), email=email, email_key=key,
                                       password_hash=passwords.hash_password(password),
                                       **(attribution or {}))
            for kind, data in ((Address.SHIPPING, shipping), (Address.BILLING, billing)):
                Address.create(customer=customer, kind=kind, **vars(data))
            for kind, number in numbers.items():
                Phone.create(customer=customer, kind=kind, number=number)
            mailing.record_form_choices(consents or {}, "registration",
                                        customer_id=customer.id, address=customer.email, ip=ip)
            publishing.announce_pending(customer.email, customer.id)
    except IntegrityError:
        if Customer.by_email_key(key) is None:
            raise  # some other constraint: a bug, not the shopper's mistake
        raise _taken(ip, address_proven) from None
    return customer


def _taken(ip, address_proven):
    """The error for a taken email; it counts toward the IP's throttle unless the address is
    proven."""
    if not address_proven:
        throttle.record("register", "", ip, False)
    return AccountError(EMAIL_TAKEN, "email")


def authenticate_customer(email, password, ip, secret):
    """The customer for this email and password; LoginRefused otherwise (one message for all)."""
    key = email_key(email)
    subject = throttle.subject_key(secret, "customer", key)
    try:
        throttle.check("customer", subject, ip)
    except throttle.Throttled as error:
        raise LoginRefused(str(error)) from None
    customer = Customer.by_email_key(key)
    ok = passwords.verify_password(customer.password_hash if customer else None, password)
    throttle.record("customer", subject, ip, ok)
    if not ok:
        raise LoginRefused(LOGIN_REFUSED)
    if passwords.needs_rehash(customer.password_hash):
        customer.password_hash = passwords.hash_password(password)
        customer.save(only=[Customer.password_hash])
    return customer


def check_password(customer, password, ip, secret, field="password",
                   wrong="Your password is not right."):
    """The signed-in customer typed their password again: AccountError (for `field`) unless
    it is right.

    It counts as a sign-in attempt, throttled and recorded as one, so a stolen session (a
    copied cookie, a browser left open) cannot use the forms that ask for it to guess.
    """
    subject = throttle.subject_key(secret, "customer", customer.email_key)
    try:
        throttle.check("customer", subject, ip)
    except throttle.Throttled as error:
        raise AccountError(str(error), field) from None
    ok = passwords.verify_password(customer.password_hash, password)
    throttle.record("customer", subject, ip, ok)
    if not ok:
        raise AccountError(wrong, field)
    if passwords.needs_rehash(customer.password_hash):
        customer.password_hash = passwords.hash_password(password)
        customer.save(only=[Customer.password_hash])


def purge_login_attempts(now):
    """Delete sign-in attempts older than their 30 days (P8). Recording an attempt does it
    too, but a shop where nobody signs in would keep the last ones for ever."""
    return LoginAttempt.delete().where(LoginAttempt.at < now - throttle.RETENTION).execute()


def purge_ended_sessions(now, staff_idle):
    """Delete the sessions that have expired (sessions.resolve would refuse them) and so
    their IP: a session is ended when its row is gone, but an expired one stays until its
    browser comes back or anyone signs in."""
    expired = (
        (AccountSession.staff.is_null(False) & (AccountSession.last_seen < now - staff_idle))
        | (AccountSession.staff.is_null() & (AccountSession.remembered == True)  # noqa: E712
           & (AccountSession.created_at < now - sessions.REMEMBERED_FOR))
        | (AccountSession.staff.is_null() & (AccountSession.remembered == False)  # noqa: E712
           & (AccountSession.last_seen < now - sessions.CUSTOMER_IDLE)))
    return AccountSession.delete().where(expired).execute()
