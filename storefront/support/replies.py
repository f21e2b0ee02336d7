"""Care's answers to correspondence (P10): a reply is a CareReply row and one mail to the
sender's address, written in one transaction, so care never believes it answered someone
who is never told, nor tells someone what care has no record of.

The reply mail is the one thing of a message that leaves the shop, and only to the address
the message came from. It is signed by Customer Care, not by the staff member: their name is
about our staff (the staff member is recorded on the CareReply).
"""
import re

from flask import current_app

from peewee import JOIN

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


def clean_body(body):
    """The reply's text as it is sent: line ends normalised, stripped; a SupportError (on
    the field "body") when it is empty or longer than MAX_REPLY."""
    body = (body or "").replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").strip()
    if not body:
        raise SupportError("Write your reply.", field="body")
    if len(body) > MAX_REPLY:
        raise SupportError(f"Use at most {MAX_REPLY:,} characters.", field="body")
    return body


def reply(correspondence, staff, body, close=False):
    """Send body to the message's sender through the outbox and keep it as a CareReply;
    with close, close the message in the same transaction. Returns the CareReply.

    A closed message stays closed when care answers it: replying is care's own work, not a
    new request from the sender, and the queue of open messages should not grow because an
    associate added a correction. Whoever wants it back in the queue reopens it. If the
    sender answers, their mail arrives as a new message.

    The mail names as its customer only the account that sent the message signed in: an
    account that merely uses the sender's address is a hint, not proof it wrote.
    """
    body = clean_body(body)
    config = current_app.config
    with database.atomic():
        mail = outbox.enqueue(
            correspondence.sender_email, CATEGORY,
            reply_subject(correspondence.subject, config["SHOP_NAME"]), CATEGORY,
            customer=correspondence.customer, body=body,
            sender_name=correspondence.sender_name, received_at=correspondence.received_at,
            care_email=config["CARE_EMAIL"])
        # The same moment as the mail's, so the thread can show the mail's delivery.
        row = CareReply.create(correspondence=correspondence, staff=staff, body=body,
                               sent_at=mail.created_at)
        if close:
            service.close(correspondence)
    return row


def thread(correspondence):
    """The replies to a message, oldest first, each as (CareReply, its OutboxMessage or
    None once the mail is gone or its address was erased).

    A reply and its mail are written together with the same timestamp (sent_at and
    created_at), so the mail is the care reply to the same address at that very moment.
    """
    replies = list(CareReply.select(CareReply, StaffUser)
                   .join(StaffUser, JOIN.LEFT_OUTER, on=(CareReply.staff == StaffUser.id))
                   .where(CareReply.correspondence == correspondence)
                   .order_by(CareReply.sent_at, CareReply.id))
    if not replies:
        return []
    mails = {mail.created_at: mail for mail in OutboxMessage.select().where(
        OutboxMessage.category == CATEGORY,
        OutboxMessage.recipient == correspondence.sender_email,
        OutboxMessage.created_at.in_([row.sent_at for row in replies]))}
    return [(row, mails.get(row.sent_at)) for row in replies]
