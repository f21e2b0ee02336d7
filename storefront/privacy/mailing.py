"""Marketing mail and the consent ledger (P7, P20): checked when a mail is queued and again
just before it is sent; every marketing mail carries a signed one-click unsubscribe link."""
from collections import namedtuple
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from peewee import fn

from storefront.db import utcnow
from storefront.mail import outbox
from storefront.mail.models import OutboxMessage
from storefront.privacy import consent

UNSUBSCRIBE_SALT = "storefront.unsubscribe.v1"
RESUBSCRIBE_SALT = "storefront.resubscribe.v1"


class BadLink(ValueError):
    """A link that is forged, altered or too old. Its message reveals nothing of whom it was
    made for."""


def _serializer(salt):
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def make_token(purposes, customer_id=None, address="", salt=UNSUBSCRIBE_SALT):
    """A signed token naming a person and the purposes a link acts on."""
    return _serializer(salt).dumps({"c": customer_id, "e": consent.email_key(address),
                                    "p": list(purposes)})


def read_token(token, salt=UNSUBSCRIBE_SALT, max_age_days=None):
    """(purposes, customer_id, address) from a token; BadLink when it is not ours, altered,
    names an unknown purpose, or is older than max_age_days (UNSUBSCRIBE_LINK_DAYS)."""
    days = max_age_days or current_app.config["UNSUBSCRIBE_LINK_DAYS"]
    try:
        data = _serializer(salt).loads(token, max_age=days * 86400)
    except SignatureExpired:
        raise BadLink("This link is too old to use.") from None
    except BadSignature:
        raise BadLink("This link is not one we sent.") from None
    purposes = data.get("p") if isinstance(data, dict) else None
    if not purposes or not all(isinstance(p, str) and consent.is_known(p) for p in purposes):
        raise BadLink("This link is not one we sent.")
    customer_id = data.get("c")
    if customer_id is not None and not isinstance(customer_id, int):
        raise BadLink("This link is not one we sent.")
    return purposes, customer_id, str(data.get("e") or "")


def unsubscribe_url(purpose, customer_id=None, address=""):
    """The one-click unsubscribe link (a stable URL: /unsubscribe/<token>)."""
    return outbox.shop_link("optout.unsubscribe",
                            token=make_token([purpose], customer_id, address))


def enqueue_marketing(recipient, purpose, category, subject, template, *, customer=None,
                      campaign_id=None, **context):
    """Queue one marketing mail when the recipient consents to its purpose; None when not.

    The row names its purpose, so the worker asks the ledger again right before sending.
    """
    customer_id = customer.id if customer is not None else None
    if not consent.allows(purpose, customer_id, recipient):
        return None
    return outbox.enqueue(recipient, category, subject, template, customer=customer,
                          purpose=purpose, campaign_id=campaign_id,
                          unsubscribe_url=unsubscribe_url(purpose, customer_id, recipient),
                          **context)


def still_wanted(row):
    """The worker's last check before sending a marketing mail."""
    return consent.allows(row.purpose, row.customer_id, row.recipient)


RESUME_LINK_DAYS = 30
# outbox.enqueue reads only the id of the account a mail is for; privacy sits below accounts.
_Account = namedtuple("_Account", "id")
NOTICE_INTERVAL = timedelta(hours=1)


def opt_out_by_form(address, purposes, ip=""):
    """The public opt-out form: the withdrawal counts at once (stopping mail is never made
    harder than asking for it). So that nobody can silently opt someone else out, the
    address is told, with a link that undoes it (only when something was withdrawn: an
    unknown address gets no mail). Returns the events."""
    events = consent.withdraw_all("optout_form", address=address, ip=ip, purposes=purposes)
    notify_withdrawal(address, [event.purpose for event in events])
    return events


def record_form_choices(choices, channel, *, customer_id=None, address="", ip="",
                        state_shown=False):
    """Record the consent boxes of a form that collects contact details.

    Where the form showed the person's current choices (they are signed in), every box that
    changed is recorded, both ways. Where it did not (a signed-out form), only a ticked box
    counts: an unticked box there means "not asking", and must not withdraw what the owner
    of a typed address once chose. When a box gives a consent the address is told, with a
    one-click link to stop each kind of mail: nobody is signed up silently by someone who
    typed their address. Returns the new events."""
    if not state_shown:
        choices = {purpose: True for purpose, ticked in choices.items() if ticked}
    events = consent.record_choices(choices, channel, customer_id=customer_id,
                                    address=address, ip=ip)
    given = [event.purpose for event in events if event.given]
    if given and not _told_since_last_change(address, "consent_welcome", given=False):
        outbox.enqueue(address, "consent_welcome", "You asked for mail from us", "optin_notice",
                       customer=_Account(customer_id) if customer_id is not None else None,
                       links=[(consent.purpose(p), unsubscribe_url(p, customer_id, address))
                              for p in given],
                       where=consent.CHANNELS[channel])
    return events


def notify_withdrawal(address, purposes):
    """Tell an address that mail to it was stopped, with a link that undoes it, unless it
    was told so since its last opt-in. For withdrawals made without the owner being signed
    in: the opt-out form, a signed-out form, a message to care (whose sender can be forged)."""
    if not purposes or _told_since_last_change(address, "consent_notice", given=True):
        return None
    token = make_token(purposes, None, address, salt=RESUBSCRIBE_SALT)
    return outbox.enqueue(address, "consent_notice", "You will get no more of this mail from us",
                          "optout_notice", purposes=[consent.purpose(p) for p in purposes],
                          resume_url=outbox.shop_link("optout.resume", token=token),
                          resume_days=RESUME_LINK_DAYS)


def _told_since_last_change(address, category, given):
    """True when a notice of this category went to the address within NOTICE_INTERVAL and
    after its latest event of the opposite direction (`given`): a flip back and forth is
    always told, a burst of the same request is told once."""
    key = consent.email_key(address)
    since = utcnow() - NOTICE_INTERVAL
    opposite = consent.latest_event_time(address, given)
    if opposite is not None and opposite > since:
        since = opposite
    return OutboxMessage.select().where(
        (OutboxMessage.category == category) & (fn.LOWER(OutboxMessage.recipient) == key)
        & (OutboxMessage.created_at >= since)).exists()


def unsubscribe(token, ip=""):
    """A one-click unsubscribe link was used: withdraw what it names. BadLink otherwise."""
    purposes, customer_id, address = read_token(token)
    return consent.withdraw_all("email_link", customer_id=customer_id, address=address,
                                ip=ip, purposes=purposes)


def resume(token, ip=""):
    """The link in an opt-out notice: the address owner takes the withdrawal back (consent
    given again, proven by the mailbox the link was sent to). BadLink otherwise."""
    purposes, customer_id, address = read_token(token, salt=RESUBSCRIBE_SALT,
                                                max_age_days=RESUME_LINK_DAYS)
    return consent.record_choices({purpose: True for purpose in purposes}, "email_link",
                                  customer_id=customer_id, address=address, ip=ip)


def describe_token(token, salt=UNSUBSCRIBE_SALT, max_age_days=None):
    """The purposes a link acts on (for its confirmation page); BadLink when unusable."""
    purposes, _, _ = read_token(token, salt=salt, max_age_days=max_age_days)
    return [consent.purpose(key) for key in purposes]
