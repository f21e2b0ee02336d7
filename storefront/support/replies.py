"""Care's answers to correspondence (P10): a reply is a CareReply row and one mail to the
sender's address, written in one transaction, so care never believes it answered someone
who is never told, nor tells someone what care has no record of.

The reply mail is the one thing of a message that leaves the shop, and only to the address
the message came from. It is signed by Customer Care, not by the staff member: their name is
about our staff (the staff member is recorded on the CareReply).

Anyone can write to care with any address, name and subject, so a reply must not carry a
stranger's chosen words to the owner of that address as if they were the shop's: only a
message sent by a signed-in account gets "Re: <its subject>" and a greeting by the account's
name. Any other gets a fixed subject, a greeting without a name, and its subject quoted in
the text as the sender's.
"""
import re

from peewee import JOIN, IntegrityError

from storefront.accounts.models import StaffUser
from storefront.db import database
from storefront.mail import outbox
from storefront.mail.models import OutboxMessage
from storefront.support import service
from storefront.support.models import CareReply
from storefront.support.service import SupportError

MAX_REPLY = 8_000
CATEGORY = "care_reply"
_ALREADY_A_REPLY = re.compile(r"\s*re\s*:", re.IGNORECASE)
_SUBJECT_LENGTH = OutboxMessage.subject.max_length


def reply_subject(subject, shop_name):
    """"Re: <subject>", without a second "Re:" when the subject is one already; cut to fit
    the outbox."""
    subject = " ".join((subject or "").split())
    if not subject:
        return f"Re: your message to {shop_name}"[:_SUBJECT_LENGTH]
    if _ALREADY_A_REPLY.match(subject):
        return subject[:_SUBJECT_LENGTH]
    return f"Re: {subject}"[:_SUBJECT_LENGTH]


def stranger_subject(shop_name):
    """The subject of a reply to a message no signed-in account sent."""
    return f"Your message to {shop_name} Customer Care"[:_SUBJECT_LENGTH]


def clean_body(body):
    """The reply's text as it is sent: line ends normalised, stripped; a SupportError (on
    the field "body") when it is empty or longer than MAX_REPLY."""
    body = (body or "").replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").strip()
    if not body:
        raise SupportError("Write your reply.", field="body")
    if len(body) > MAX_REPLY:
        raise SupportError(f"Use at most {MAX_REPLY:,} characters.", field="body")
    return body


def _signed_in_account(correspondence):
    """The account that sent the message signed in (not since deleted), or None."""
    account = correspondence.customer
    return account if account is not None and account.erased_at is None else None


def reply(correspondence, staff, body, *, shop_name, care_email, close=False, form_key=None):
    """Send body to the message's sender through the outbox and keep it as a CareReply;
    with close, close the message in the same transaction. Returns (CareReply, created).

    form_key is the reply form's one-time key: a second call with the same key (a double
    click, a reload) sends nothing and returns the reply the first one made, created False.

    A closed message stays closed when care answers it: replying is care's own work, not a
    new request from the sender, and the queue of open messages should not grow because an
    associate added a correction. Whoever wants it back in the queue reopens it. If the
    sender answers, their mail arrives as a new message.

    The mail names as its customer only the account that sent the message signed in: an
    account that merely uses the sender's address is a hint, not proof it wrote.
    """
    body = clean_body(body)
    if form_key is not None:
        earlier = CareReply.get_or_none(CareReply.form_key == form_key)
        if earlier is not None:
            return earlier, False
    account = _signed_in_account(correspondence)
    subject = (reply_subject(correspondence.subject, shop_name) if account is not None
               else stranger_subject(shop_name))
    try:
        with database.atomic():
            mail = outbox.enqueue(
                correspondence.sender_email, CATEGORY, subject, CATEGORY,
                customer=account, body=body, shop_name=shop_name, care_email=care_email,
                greet=account.name if account is not None else "",
                their_subject="" if account is not None else correspondence.subject,
                received_at=correspondence.received_at)
            row = CareReply.create(correspondence=correspondence, staff=staff, body=body,
                                   sent_at=mail.created_at, mail=mail, form_key=form_key)
            if close:
                service.close(correspondence)
    except IntegrityError:
        # The same form posted twice at once: the other request's reply (and its mail) won.
        earlier = CareReply.get_or_none(CareReply.form_key == form_key) if form_key else None
        if earlier is None:
            raise
        return earlier, False
    return row, True


def thread(correspondence):
    """The replies to a message, oldest first, each as (CareReply, the OutboxMessage that
    carried it, or None once the mail is gone)."""
    replies = (CareReply.select(CareReply, StaffUser, OutboxMessage)
               .join_from(CareReply, StaffUser, JOIN.LEFT_OUTER,
                          on=(CareReply.staff == StaffUser.id))
               .join_from(CareReply, OutboxMessage, JOIN.LEFT_OUTER,
                          on=(CareReply.mail == OutboxMessage.id))
               .where(CareReply.correspondence == correspondence)
               .order_by(CareReply.sent_at, CareReply.id))
    return [(row, row.mail) for row in replies]
