"""Correspondence with Customer Care (P10, P20): contact-form messages and mail to the care
address, kept for care staff only: who holds each one, its closing and reopening, and the
opt-outs care records from them. Replies are in storefront.support.replies.

A message is linked to the account whose email matches the sender's address. Senders can be
forged, so a link is a hint for care, never proof of who wrote; the one thing it is used for
without question is withdrawing consent, which is safe whoever asked.
"""
from peewee import JOIN, Case, IntegrityError

from storefront.accounts import throttle
from storefront.accounts.contact import ContactError, normalise_email
from storefront.accounts.models import Customer, StaffUser
from storefront.db import database, utcnow
from storefront.privacy import consent, mailing
from storefront.support.inbound import MAX_NAME, MAX_SUBJECT, parse
from storefront.support.models import Correspondence

MAX_CONTACT_BODY = 10_000
THROTTLE_REALM = "contact"
MAX_MESSAGES_PER_IP = 5  # within throttle.WINDOW
PAGE_SIZE = 50
ASSIGNABLE_ROLES = frozenset({"care", "admin"})  # who may read, hold and answer messages


class SupportError(Exception):
    """A message cannot be taken: errors maps form field names (None: the whole form) to
    messages that may be shown."""

    def __init__(self, message, field=None, errors=None):
        super().__init__(message)
        self.errors = dict(errors or {field: message})


def _contact_problems(name, email, subject, body):
    problems = {}
    if not name:
        problems["name"] = "Enter your name."
    elif len(name) > MAX_NAME:
        problems["name"] = f"Use at most {MAX_NAME} characters."
    try:
        normalise_email(email)
    except ContactError as error:
        problems["email"] = str(error)
    if len(subject) > MAX_SUBJECT:
        problems["subject"] = f"Use at most {MAX_SUBJECT} characters."
    if not body:
        problems["body"] = "Write your message."
    elif len(body) > MAX_CONTACT_BODY:
        problems["body"] = f"Use at most {MAX_CONTACT_BODY:,} characters."
    return problems


def receive_contact(name, email, subject, body, customer=None, consents=None, ip="",
                    secret=None):
    """Store a contact-form message, and record the form's consent boxes ({purpose: ticked})
    for the sender with it: the latest choice a person makes is the one that counts. The
    choices name the account only when customer (the signed-in one) is given.

    With a secret (the web form passes the app's), an IP may send MAX_MESSAGES_PER_IP
    messages within throttle.WINDOW; the next one is refused with a SupportError.
    """
    name, subject = " ".join((name or "").split()), " ".join((subject or "").split())
    body = (body or "").replace("\r\n", "\n").replace("\x00", "").strip()
    problems = _contact_problems(name, email, subject, body)
    if problems:
        raise SupportError(next(iter(problems.values())), errors=problems)
    address, key = normalise_email(email)
    subject_key = secret and throttle.subject_key(secret, THROTTLE_REALM, ip)
    with database.atomic():
        if secret:
            _check_throttle(subject_key, ip)
        row = Correspondence.create(source=Correspondence.CONTACT_FORM, sender_name=name,
                                    sender_email=address,
                                    customer=customer,
                                    subject=subject, body=body)
        # The boxes speak for the account only when the message comes from its own address
        # (a signed-in customer may write from another one).
        own = customer is not None and customer.email_key == key
        mailing.record_form_choices(consents or {}, "contact_form",
                                    customer_id=customer.id if own else None,
                                    address=address, ip=ip, state_shown=own)
        if secret:
            # Every message counts against the IP: the log counts attempts marked unsuccessful.
            throttle.record(THROTTLE_REALM, subject_key, ip, succeeded=False)
    return row


def _check_throttle(subject_key, ip):
    try:
        throttle.check(THROTTLE_REALM, subject_key, ip, per_account=MAX_MESSAGES_PER_IP,
                       success_resets=False)
    except throttle.Throttled:
        minutes = int(throttle.WINDOW.total_seconds() // 60)
        raise SupportError(f"You have sent us {MAX_MESSAGES_PER_IP} messages in a short "
                           f"time. Please wait {minutes} minutes before sending another; "
                           "we answer every message we have.") from None


def receive_email(raw):
    """Store a message sent to the care address; (correspondence, created).

    A message already stored (same Message-ID, or the same bytes when it has none) is not
    stored again: (the stored one, False). Raises inbound.UnusableMessage for a message with
    no usable From address.
    """
    message = parse(raw)
    stored = Correspondence.get_or_none(Correspondence.message_id == message.message_id)
    if stored is not None:
        return stored, False
    try:
        with database.atomic():
            row = Correspondence.create(
                source=Correspondence.EMAIL, sender_name=message.sender_name,
                sender_email=message.sender_email,
                subject=message.subject,
                body=message.body, message_id=message.message_id)
    except IntegrityError:
        # Two deliveries of one message at the same moment: the other one stored it.
        stored = Correspondence.get_or_none(Correspondence.message_id == message.message_id)
        if stored is None:
            raise
        return stored, False
    return row, True


def inbox(status=None, page=1, assigned_to=None, unassigned=False):
    """A page of correspondence (PAGE_SIZE rows), each with its assignee: open before
    closed, newest first. status (open or closed) narrows it to one kind; assigned_to (a
    staff id) to one person's messages; unassigned to the messages nobody has taken."""
    query = (Correspondence.select(Correspondence, StaffUser)
             .join(StaffUser, JOIN.LEFT_OUTER, on=(Correspondence.assigned_to == StaffUser.id)))
    if status:
        query = query.where(Correspondence.status == status)
    if assigned_to is not None:
        query = query.where(Correspondence.assigned_to == assigned_to)
    if unassigned:
        query = query.where(Correspondence.assigned_to.is_null())
    open_first = Case(None, [(Correspondence.status == Correspondence.OPEN, 0)], 1)
    return list(query.order_by(open_first, Correspondence.received_at.desc(),
                               Correspondence.id.desc()).paginate(page, PAGE_SIZE))


def counts():
    """{status: number of messages}."""
    return {status: Correspondence.select().where(Correspondence.status == status).count()
            for status in (Correspondence.OPEN, Correspondence.CLOSED)}


def get(correspondence_id):
    """One message, or None."""
    return Correspondence.get_or_none(Correspondence.id == correspondence_id)


def close(correspondence):
    """Mark a message dealt with; False when it was closed already."""
    closed = (Correspondence.update(status=Correspondence.CLOSED, closed_at=utcnow())
              .where(Correspondence.id == correspondence.id,
                     Correspondence.status == Correspondence.OPEN).execute())
    return bool(closed)


def reopen(correspondence):
    """Put a closed message back in the open queue; False when it was open already."""
    reopened = (Correspondence.update(status=Correspondence.OPEN, closed_at=None)
                .where(Correspondence.id == correspondence.id,
                       Correspondence.status == Correspondence.CLOSED).execute())
    return bool(reopened)


def assignable_staff():
    """Who a message may be given to: active staff with the care or admin role, by name."""
    members = StaffUser.select().where(StaffUser.is_active == True,  # noqa: E712 (SQL)
                                       StaffUser.partner.is_null())
    return sorted((member for member in members if member.role_set & ASSIGNABLE_ROLES),
                  key=lambda member: (member.name.casefold(), member.id))


def assign(correspondence, staff_id):
    """Give the message to the staff member staff_id (None: to nobody); returns them.

    Only active care or admin staff can hold a message: anyone else is refused with a
    SupportError on the field "assignee", and the message keeps its assignee."""
    member = None
    if staff_id is not None:
        member = StaffUser.get_or_none(StaffUser.id == staff_id)
        if member is None or not member.is_active or member.partner_id is not None or \
                not member.role_set & ASSIGNABLE_ROLES:
            raise SupportError("Choose an active member of Customer Care from the list.",
                               field="assignee")
    (Correspondence.update(assigned_to=member)
     .where(Correspondence.id == correspondence.id).execute())
    correspondence.assigned_to = member
    return member


def account_of(correspondence):
    """The account the message is from: the signed-in customer who sent it, else (a hint
    for care, never stored: a sender can be forged, and anyone can open an account with any
    address) the account that uses the sender's address; None when there is none."""
    return correspondence.customer or \
        Customer.by_email_key(consent.email_key(correspondence.sender_email))


def consent_state(correspondence):
    """The sender's current marketing choices ({purpose: given}), by account and address."""
    account = account_of(correspondence)
    return consent.current(account.id if account else None, correspondence.sender_email)


def record_optout_from(correspondence, staff):
    """Withdraw every marketing consent of the message's sender (account and address), as
    care read it in the message; the new ledger events (none when nothing was given).

    A From line can be forged, so the address is told, with a link that undoes it."""
    account = account_of(correspondence)
    with database.atomic():
        events = consent.withdraw_all("care_email", customer_id=account.id if account else None,
                                      address=correspondence.sender_email, staff_id=staff.id,
                                      reference=f"correspondence {correspondence.id}")
        mailing.notify_withdrawal(correspondence.sender_email,
                                  [event.purpose for event in events])
    return events
