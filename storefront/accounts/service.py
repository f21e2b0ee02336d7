"""Account rules: registration, sign-in with throttling and lockout, profile changes, staff."""
from dataclasses import dataclass, fields
from datetime import timedelta

from peewee import IntegrityError

from storefront.accounts import passwords, sessions, throttle
from storefront.accounts.contact import (ContactError, normalise_email, normalise_phone,
                                         normalise_postal_code)
from storefront.accounts.models import STAFF_ROLES, Address, Customer, Phone, StaffUser
from storefront.db import database, utcnow

STAFF_LOCK_AFTER = 10
STAFF_LOCK_FOR = timedelta(minutes=30)
LOGIN_REFUSED = "The email or password is not right."


class AccountError(Exception):
    """A rule about accounts was broken. field names the form field the message belongs to."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


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
    def from_mapping(cls, mapping):
        names = {f.name for f in fields(cls)}
        return cls(**{k: (v or "").strip() for k, v in mapping.items() if k in names})


def _checked_address(data, field):
    try:
        data.postal_code = normalise_postal_code(data.postal_code, data.country)
    except ContactError as error:
        raise AccountError(str(error), f"{field}-postal_code") from None
    return data


def _checked_phones(day, evening, region):
    numbers = {}
    for kind, raw in ((Phone.DAY, day), (Phone.EVENING, evening)):
        if raw and raw.strip():
            try:
                numbers[kind] = normalise_phone(raw, region)
            except ContactError as error:
                raise AccountError(str(error), f"{kind}_phone") from None
    if not numbers:
        raise AccountError("Give at least one phone number, for the day or the evening.",
                           "day_phone")
    return numbers


def _checked_email(raw, field="email"):
    try:
        return normalise_email(raw)
    except ContactError as error:
        raise AccountError(str(error), field) from None


def _check_password(password, min_length, email, field="password"):
    problems = passwords.password_problems(password, min_length, email)
    if problems:
        raise AccountError(" ".join(problems), field)


def register_customer(name, email, password, shipping, billing, day_phone, evening_phone,
                      region):
    """Create a customer with addresses and phones. billing=None means same as shipping."""
    email, email_key = _checked_email(email)
    _check_password(password, passwords.CUSTOMER_MIN_LENGTH, email)
    shipping = _checked_address(shipping, "shipping")
    billing = _checked_address(billing, "billing") if billing else shipping
    numbers = _checked_phones(day_phone, evening_phone, region)
    if not name.strip():
        raise AccountError("Enter your name.", "name")
    try:
        with database.atomic():
            customer = Customer.create(name=name.strip(), email=email, email_key=email_key,
                                       password_hash=passwords.hash_password(password))
            for kind, data in ((Address.SHIPPING, shipping), (Address.BILLING, billing)):
                Address.create(customer=customer, kind=kind, **vars(data))
            for kind, number in numbers.items():
                Phone.create(customer=customer, kind=kind, number=number)
    except IntegrityError:
        raise AccountError("An account with this email already exists. Sign in instead.",
                           "email") from None
    return customer


def authenticate_customer(email, password, ip, secret):
    """The customer for this email and password; LoginRefused otherwise (one message for all)."""
    subject = throttle.subject_key(secret, "customer", email)
    try:
        throttle.check("customer", subject, ip)
    except throttle.Throttled as error:
        raise LoginRefused(str(error)) from None
    customer = Customer.by_email(email or "")
    ok = passwords.verify_password(customer.password_hash if customer else None, password)
    throttle.record("customer", subject, ip, ok)
    if not ok:
        raise LoginRefused(LOGIN_REFUSED)
    if passwords.needs_rehash(customer.password_hash):
        customer.password_hash = passwords.hash_password(password)
        customer.save(only=[Customer.password_hash])
    return customer


def update_name(customer, name):
    if not name.strip():
        raise AccountError("Enter your name.", "name")
    customer.name = name.strip()
    customer.save(only=[Customer.name])


def save_address(customer, kind, data):
    """Replace the customer's shipping or billing address."""
    data = _checked_address(data, "address")
    with database.atomic():
        Address.delete().where(Address.customer == customer, Address.kind == kind).execute()
        Address.create(customer=customer, kind=kind, **vars(data))


def save_phones(customer, day_phone, evening_phone, region):
    """Replace the customer's phone numbers (at least one stays)."""
    numbers = _checked_phones(day_phone, evening_phone, region)
    with database.atomic():
        Phone.delete().where(Phone.customer == customer).execute()
        for kind, number in numbers.items():
            Phone.create(customer=customer, kind=kind, number=number)


def change_password(customer, current, new):
    """Set a new password and end every session of the account, this one included."""
    if not passwords.verify_password(customer.password_hash, current):
        raise AccountError("Your current password is not right.", "current_password")
    _check_password(new, passwords.CUSTOMER_MIN_LENGTH, customer.email, "new_password")
    with database.atomic():
        customer.password_hash = passwords.hash_password(new)
        customer.save(only=[Customer.password_hash])
        sessions.end_all(customer=customer)


def create_staff(email, name, roles, password):
    """Add a staff account with the given roles."""
    email, email_key = _checked_email(email)
    unknown = set(roles) - set(STAFF_ROLES)
    if not roles or unknown:
        raise AccountError(f"Roles must be among: {', '.join(STAFF_ROLES)}.", "roles")
    _check_password(password, passwords.STAFF_MIN_LENGTH, email)
    try:
        return StaffUser.create(email=email, email_key=email_key, name=name.strip() or email,
                                roles=" ".join(r for r in STAFF_ROLES if r in roles),
                                password_hash=passwords.hash_password(password))
    except IntegrityError:
        raise AccountError("A staff account with this email already exists.", "email") from None


def authenticate_staff(email, password, ip, secret):
    """The staff user for these credentials; after 10 failures the account locks for 30 minutes."""
    subject = throttle.subject_key(secret, "staff", email)
    try:
        throttle.check("staff", subject, ip, per_account=None)
    except throttle.Throttled as error:
        raise LoginRefused(str(error)) from None
    staff = StaffUser.get_or_none(StaffUser.email_key == (email or "").strip().lower())
    now = utcnow()
    if staff and staff.locked_until:
        if staff.locked_until > now:
            passwords.verify_password(None, password)
            throttle.record("staff", subject, ip, False)
            raise LoginRefused("This account is locked after too many failed attempts. "
                               "Try again in 30 minutes, or ask an admin to unlock it.")
        unlock_staff(staff)
    ok = passwords.verify_password(staff.password_hash if staff else None, password) \
        and staff.is_active
    throttle.record("staff", subject, ip, ok)
    if ok:
        unlock_staff(staff)
        return staff
    if staff is not None:
        _count_staff_failure(staff, now)
    raise LoginRefused(LOGIN_REFUSED)


def _count_staff_failure(staff, now):
    # Increment in SQL, not in Python: two workers failing at once must both count.
    with database.atomic():
        StaffUser.update(failed_logins=StaffUser.failed_logins + 1) \
            .where(StaffUser.id == staff.id).execute()
        StaffUser.update(locked_until=now + STAFF_LOCK_FOR) \
            .where(StaffUser.id == staff.id,
                   StaffUser.failed_logins >= STAFF_LOCK_AFTER).execute()


def unlock_staff(staff):
    """Clear a staff account's lock and failure count."""
    StaffUser.update(failed_logins=0, locked_until=None).where(StaffUser.id == staff.id).execute()
    staff.failed_logins, staff.locked_until = 0, None
