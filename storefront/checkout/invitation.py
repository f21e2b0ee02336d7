"""Invitations to open an account, for a caller whose order Customer Care took as a guest's.

A guest on the web can open an account from the confirmation page; a caller never sees it.
When the caller asks for an account, care email the order's address a link, and whoever opens
it chooses a password: the order's details become an account that holds the order
(service.open_account_from_order). The shop never chooses, hears or mails a password.

The link is signed with SECRET_KEY under its own salt. Signed is not secret (anyone can read
the payload), so it names the order by its id and the address it went to by a short keyed
hash, never in clear. It works for LINK_DAYS, and once: when the order is in an account, every
link for it is spent. Care send at most DAILY_CAP a day for an order. It is a key to the
order, so the mail is secret mail (staff never read its text, and the worker forgets it once
delivered) and its route's argument is `token` (the request and page-view logs keep the route
of such a path, never the path; the page sends no Referer and no cache keeps it).
"""
import hmac
from datetime import timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from storefront.accounts import service as accounts
from storefront.accounts import throttle
from storefront.accounts.models import Customer
from storefront.checkout.service import open_account_from_order
from storefront.db import database, locked, utcnow
from storefront.mail import outbox
from storefront.mail.models import OutboxMessage
from storefront.orders.models import Order
from storefront.privacy import audit
from storefront.privacy.models import AuditEvent

LINK_DAYS = 7
LINK_SALT = "storefront.account-invitation.v1"
CATEGORY = "account_invitation"
# A second press this soon after the last invitation (a double click, a reload, a colleague
# on the same call) sends nothing more; later, the caller may need it again.
RESEND_MINUTES = 2
# Invitations for one order in any 24 hours: a caller who lost a few mails gets another, but
# the button cannot make the shop flood an address.
DAILY_CAP = 5
IN_AN_ACCOUNT = "This order is already in an account."
EMAIL_HAS_ACCOUNT = ("An account already uses this order's email address, so no invitation "
                     "can be sent: the caller can sign in to that account.")


class InvitationError(Exception):
    """An invitation that cannot be sent, or a link that cannot be used; the message may be
    shown."""


class NotSent(InvitationError):
    """Care cannot invite this order's caller (see refusal)."""


class UnknownLink(InvitationError):
    """A link that is not one we sent, altered, or naming no order of ours."""


class ExpiredLink(InvitationError):
    """A link older than LINK_DAYS."""


class SpentLink(InvitationError):
    """A link for an order that is in an account by now; `order` is that order."""

    def __init__(self, order):
        super().__init__("This order is already in an account. Sign in to see it.")
        self.order = order


def _serializer(secret):
    return URLSafeTimedSerializer(secret, salt=LINK_SALT)


def _address_tag(address, secret):
    """The link's stand-in for the address: a short keyed hash, so the link (readable by
    anyone who sees it) does not carry the address, and none can be guessed from it."""
    return throttle.subject_key(secret, LINK_SALT, address)[:16]


def _has_account(address):
    return Customer.by_email_key(accounts.email_key(address)) is not None


def _cap_ends(order):
    """When the next invitation may go if DAILY_CAP went in the last 24 hours; else None."""
    day = timedelta(days=1)
    recent = [row.created_at for row in (
        OutboxMessage.select(OutboxMessage.created_at)
        .where(OutboxMessage.order_number == order.number, OutboxMessage.category == CATEGORY,
               OutboxMessage.created_at > utcnow() - day)
        .order_by(OutboxMessage.created_at.desc()).limit(DAILY_CAP))]
    return recent[-1] + day if len(recent) == DAILY_CAP else None


def refusal(order):
    """Why care cannot invite the order's caller to open an account, or '' when they can."""
    if order.customer_id is not None:
        return IN_AN_ACCOUNT
    if not order.email:
        return "This order has no email address to send an invitation to."
    if _has_account(order.email):
        return EMAIL_HAS_ACCOUNT
    ends = _cap_ends(order)
    if ends is not None:
        ends = ends.replace(second=0, microsecond=0) + timedelta(minutes=1)  # rounded up
        return (f"{DAILY_CAP} invitations went to this order's address in the last 24 hours, "
                f"the most a day: the next can be sent from {ends:%Y-%m-%d %H:%M} UTC.")
    return ""


def last_sent(order):
    """When the latest invitation for the order was queued, or None."""
    row = (OutboxMessage.select(OutboxMessage.created_at)
           .where(OutboxMessage.order_number == order.number,
                  OutboxMessage.category == CATEGORY)
           .order_by(OutboxMessage.created_at.desc()).first())
    return row.created_at if row else None


def send(order, staff_id, ip, config):
    """Queue the invitation to the order's address and record in the audit log who sent it;
    (when the invitation went, whether this call sent it). When one went less than
    RESEND_MINUTES ago nothing is sent. NotSent when the caller cannot be invited (refusal,
    DAILY_CAP included).
    """
    with database.atomic():
        # The order's row is locked so that two presses at once send one mail (on SQLite,
        # write transactions already run one at a time).
        order = locked(Order.select().where(Order.id == order.id)).get()
        problem = refusal(order)
        if problem:
            raise NotSent(problem)
        earlier = last_sent(order)
        if earlier is not None and earlier > utcnow() - timedelta(minutes=RESEND_MINUTES):
            return earlier, False
        secret = config["SECRET_KEY"]
        token = _serializer(secret).dumps({"o": order.id,
                                           "h": _address_tag(order.email, secret)})
        billing = order.address("billing")
        mail = outbox.enqueue(
            order.email, CATEGORY, f"Open an account for your order {order.number}",
            "account_invitation", order_number=order.number,
            name=billing.name if billing else "", number=order.number, days=LINK_DAYS,
            link=outbox.shop_link("checkout.open_invitation", token=token),
            shop_phone=config["SHOP_PHONE"])
        audit.record(AuditEvent.CHANGED,
                     f"invitation to open an account emailed for order {order.number}",
                     staff_id=staff_id, address=order.email, ip=ip)
    return mail.created_at, True


def order_of(token, secret):
    """The guest order a link invites its holder to open an account for. UnknownLink,
    ExpiredLink, or SpentLink when the order is in an account already."""
    try:
        data = _serializer(secret).loads(token, max_age=LINK_DAYS * 86400)
    except SignatureExpired:
        raise ExpiredLink(f"This invitation is more than {LINK_DAYS} days old. Call Customer "
                          "Care and ask for a new one.") from None
    except BadSignature:
        raise UnknownLink("This link is not one we sent.") from None
    order_id, tag = (data.get("o"), data.get("h")) if isinstance(data, dict) else (None, None)
    order = Order.get_or_none(Order.id == order_id) if type(order_id) is int else None
    if order is None or not order.email or not isinstance(tag, str) or \
            not hmac.compare_digest(tag.encode(), _address_tag(order.email, secret).encode()):
        raise UnknownLink("This link is not one we sent.")
    if order.customer_id is not None:
        raise SpentLink(order)
    return order


def accept(token, password, ip, secret):
    """Open the account a link invites to, with the order in it: (the customer, the order).
    The link's errors as order_of; AccountError when the password breaks the rules or the
    address has an account by now. Either changes nothing.

    The address comes from the signed link, so an address with an account is not a probe:
    the attempt is neither refused by the IP's registration throttle nor counted toward it,
    and the password, which opens a new account, counts toward no sign-in throttle either.
    """
    order = order_of(token, secret)
    if _has_account(order.email):
        raise accounts.AccountError(accounts.EMAIL_TAKEN, "email")
    try:
        customer = open_account_from_order(order, password, ip, address_proven=True)
    except accounts.AccountError:
        if Order.get_by_id(order.id).customer_id is not None:
            raise SpentLink(order) from None  # the link used twice at once: the other won
        raise
    return customer, order
