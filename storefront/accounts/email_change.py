"""Changing the email address an account signs in with and is written to, in two steps.

1. `request_change`: the holder gives the new address and their password (every time: a
   session alone, remembered or left open, is not enough). The address is checked as at
   registration, and a link is sent to it. Nothing changes yet, and no mail the account asked
   for goes there: a typo must not hand a stranger the account's mail.
2. `confirm_change`: the link, opened within LINK_HOURS while signed in as that account with
   a fresh login, moves the account to the new address. The marketing the account asked for
   follows it, the old address is told, and the account's other sessions end.

The link is signed with SECRET_KEY and names the account, the new address and the address the
account had when it was made, so it works once: after any change it names an old address.
"""
from datetime import timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from peewee import IntegrityError

from storefront.accounts import sessions, throttle
from storefront.accounts.contact import ContactError, normalise_email
from storefront.accounts.models import Customer
from storefront.accounts.service import AccountError, check_password
from storefront.db import database, utcnow
from storefront.mail import outbox
from storefront.mail.models import OutboxMessage
from storefront.privacy import consent

LINK_HOURS = 24
LINK_SALT = "storefront.email-change.v1"
LINKS_PER_HOUR = 5  # links one account may have sent in an hour: no mail-bombing an address
LINK_CATEGORY = "email_confirm"
EMAIL_IN_USE = "Another account uses this email address."
SAME_EMAIL = "This is already your email address."
TOO_MANY_LINKS = ("We have sent several links in the last hour. Open the latest one, or try "
                  "again later.")


class BadLink(AccountError):
    """A confirmation link that is forged, too old, spent, or another account's."""


def _serializer(secret):
    return URLSafeTimedSerializer(secret, salt=LINK_SALT)


def request_change(customer, new_email, password, ip, config):
    """Send a confirmation link to new_email and return the address as it will be stored;
    AccountError (by field: email, password) when the password is wrong or the address cannot
    be used.

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
    sent = OutboxMessage.select().where(
        OutboxMessage.customer_id == customer.id, OutboxMessage.category == LINK_CATEGORY,
        OutboxMessage.created_at >= utcnow() - timedelta(hours=1)).count()
    if sent >= LINKS_PER_HOUR:
        raise AccountError(TOO_MANY_LINKS, "email")
    token = _serializer(config["SECRET_KEY"]).dumps(
        {"c": customer.id, "from": customer.email_key, "to": email})
    # The account's name stays out of it: the address may be a stranger's.
    outbox.enqueue(email, LINK_CATEGORY, "Confirm your new email address",
                   "email_change_confirm", customer=customer, hours=LINK_HOURS,
                   link=outbox.shop_link("accounts.confirm_email", token=token))
    return email


def read_link(customer, token, secret):
    """The new address a link asks the signed-in customer's account to move to; BadLink when
    the link is not ours, is older than LINK_HOURS, was made for another account, or is spent
    (the account's address is no longer the one it was made from)."""
    try:
        data = _serializer(secret).loads(token, max_age=LINK_HOURS * 3600)
    except SignatureExpired:
        raise BadLink(f"This link is more than {LINK_HOURS} hours old. Ask for a new one on "
                      "your account page.") from None
    except BadSignature:
        raise BadLink("This link is not one we sent.") from None
    if not isinstance(data, dict) or not isinstance(data.get("to"), str):
        raise BadLink("This link is not one we sent.")
    if data.get("c") != customer.id:
        raise BadLink("This link was sent for another account. Sign out, then sign in with "
                      "the account that asked for it.")
    if data.get("from") != customer.email_key:
        raise BadLink("This link has been used, or your email address has changed since it "
                      "was sent.")
    return data["to"]


def confirm_change(customer, token, ip, config, current_session):
    """Move the account to the address the link names and return the old address; BadLink or
    AccountError when it cannot be used. Every session of the account but current_session
    (the one that confirmed) ends."""
    email = read_link(customer, token, config["SECRET_KEY"])
    key = normalise_email(email)[1]
    if Customer.by_email_key(key) is not None:
        raise AccountError(EMAIL_IN_USE, "email")
    old, old_key = customer.email, customer.email_key
    try:
        with database.atomic():
            Customer.update(email=email, email_key=key).where(Customer.id == customer.id) \
                .execute()
            customer.email, customer.email_key = email, key
            _move_consents(customer.id, old, email, ip)
            _notify_old_address(customer, old, config)
            sessions.end_all(customer=customer, keep=current_session)
    except IntegrityError:
        customer.email, customer.email_key = old, old_key
        if Customer.by_email_key(key) is None:
            raise  # some other constraint: a bug, not the customer's mistake
        raise AccountError(EMAIL_IN_USE, "email") from None
    return old


def _move_consents(customer_id, old, new, ip):
    """The mail the account asked for follows it to the new address, now confirmed, and stops
    at the old one: the ledger gets a withdrawal for the old address and a consent for the new
    one for every purpose the account had given (marketing lists are made by address)."""
    given = [purpose for purpose, on in consent.current(customer_id, old).items()
             if on and consent.is_known(purpose)]
    for purpose in given:
        consent.record(purpose, False, "account", customer_id=customer_id, address=old,
                       ip=ip, reference="email address changed")
    for purpose in given:
        consent.record(purpose, True, "account", customer_id=customer_id, address=new,
                       ip=ip, reference="email address changed")


def _notify_old_address(customer, old, config):
    """A service message (not marketing: sent whatever the choices), so that the holder
    notices a change they did not make."""
    outbox.enqueue(old, "email_changed", "The email address of your account was changed",
                   "email_changed_old", customer=customer, name=customer.name,
                   new_address=_masked(customer.email), care_email=config["CARE_EMAIL"])


def _masked(address):
    """The address with most of its local part hidden (j•••@example.com): enough for the
    holder to recognise it, not to hand it to whoever reads the old mailbox."""
    local, _, domain = address.rpartition("@")
    return f"{local[:1]}•••@{domain}"
