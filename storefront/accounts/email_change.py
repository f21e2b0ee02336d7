"""Changing the email address an account signs in with and is written to.

The password is asked for every time (a session alone, remembered or left open, is not
enough), the new address is checked as at registration, and both addresses are told: the
old one so that the holder notices a change they did not make, the new one so that its
owner learns an account now uses it (and that it works).
"""
from peewee import IntegrityError

from storefront.accounts import throttle
from storefront.accounts.contact import ContactError, normalise_email
from storefront.accounts.models import Customer
from storefront.accounts.service import AccountError, check_password
from storefront.db import database
from storefront.mail import outbox
from storefront.privacy import consent

EMAIL_IN_USE = "Another account uses this email address."
SAME_EMAIL = "This is already your email address."


def change_email(customer, new_email, password, ip, config):
    """Move the account to new_email and return the old address; AccountError (by field:
    email, password) when the password is wrong or the address cannot be used.

    Trying addresses that other accounts use is throttled like registration, so the form
    cannot be used to find out who has an account.
    """
    check_password(customer, password, ip, config["SECRET_KEY"])
    try:
        throttle.check("register", "", ip, per_account=None)
    except throttle.Throttled as error:
        raise AccountError(str(error), "email") from None
    try:
        email, key = normalise_email(new_email)
    except ContactError as error:
        raise AccountError(str(error), "email") from None
    if key == customer.email_key:
        raise AccountError(SAME_EMAIL, "email")
    if Customer.by_email_key(key) is not None:
        throttle.record("register", "", ip, False)
        raise AccountError(EMAIL_IN_USE, "email")
    old, old_key = customer.email, customer.email_key
    try:
        with database.atomic():
            Customer.update(email=email, email_key=key).where(Customer.id == customer.id) \
                .execute()
            customer.email, customer.email_key = email, key
            _move_consents(customer.id, old, email, ip)
            _tell(customer, old, email, config)
    except IntegrityError:
        if Customer.by_email_key(key) is None:
            raise  # some other constraint: a bug, not the customer's mistake
        customer.email, customer.email_key = old, old_key
        throttle.record("register", "", ip, False)
        raise AccountError(EMAIL_IN_USE, "email") from None
    return old


def _move_consents(customer_id, old, new, ip):
    """The mail the account asked for follows it to the new address and stops at the old
    one: the ledger gets a withdrawal for the old address and a consent for the new one for
    every purpose the account had given (marketing lists are made by address)."""
    given = [purpose for purpose, on in consent.current(customer_id, old).items()
             if on and consent.is_known(purpose)]
    for purpose in given:
        consent.record(purpose, False, "account", customer_id=customer_id, address=old,
                       ip=ip, reference="email address changed")
    for purpose in given:
        consent.record(purpose, True, "account", customer_id=customer_id, address=new,
                       ip=ip, reference="email address changed")


def _tell(customer, old, new, config):
    """A service message to each address (not marketing: sent whatever the choices)."""
    context = {"name": customer.name, "care_email": config["CARE_EMAIL"]}
    outbox.enqueue(old, "email_changed", "The email address of your account was changed",
                   "email_changed_old", customer=customer, new_address=_masked(new),
                   **context)
    outbox.enqueue(new, "email_changed", "Your account now uses this email address",
                   "email_changed_new", customer=customer, **context)


def _masked(address):
    """The address with most of its local part hidden (j•••@example.com): enough for the
    holder to recognise it, not to hand it to whoever reads the old mailbox."""
    local, _, domain = address.rpartition("@")
    return f"{local[:1]}•••@{domain}"
