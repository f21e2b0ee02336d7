"""Deliver the outbox over SMTP: claim due rows under a lease in a short transaction, send them
outside it, then record each one as sent, to retry later, or failed.

Every message is built from its row alone (Message-ID, Date and MIME boundary included), so a
row sent twice (a worker killed after the server accepted it, before it was marked sent) is
the very same message twice, which a mail system recognises by its Message-ID.
"""
import email.policy
import hashlib
import smtplib
import ssl
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from urllib.parse import unquote, urlsplit

from storefront.db import database, is_sqlite, utcnow
from storefront.mail.models import OutboxMessage


@dataclass(frozen=True)
class Settings:
    """What the worker needs from the app's config."""

    smtp_url: str
    mail_from: str
    shop_name: str
    timeout: float = 10
    retry_base: float = 30
    retry_max: float = 3600
    max_attempts: int = 8
    claim_seconds: float = 600
    # still_wanted(row) -> bool: the consent check for marketing, made again just before
    # sending. Without one, marketing is withheld (never sent unchecked).
    still_wanted: Callable | None = None

    @classmethod
    def for_app(cls, app):
        """Settings from the app's config, with the consent check the app registered."""
        return replace(cls.from_config(app.config),
                       still_wanted=app.extensions.get("mail.still_wanted"))

    @classmethod
    def from_config(cls, config):
        """Settings from a Flask config mapping."""
        return cls(smtp_url=config["SMTP_URL"], mail_from=config["MAIL_FROM"],
                   shop_name=config["SHOP_NAME"], timeout=config["MAIL_SMTP_TIMEOUT"],
                   retry_base=config["MAIL_RETRY_BASE_SECONDS"],
                   retry_max=config["MAIL_RETRY_MAX_SECONDS"],
                   max_attempts=config["MAIL_MAX_ATTEMPTS"],
                   claim_seconds=config["MAIL_CLAIM_SECONDS"])

    @property
    def envelope_sender(self):
        """The bare address of MAIL_FROM."""
        return parseaddr(self.mail_from)[1]

    @property
    def from_header(self):
        """MAIL_FROM as given when it has a display name, else "Shop name <address>"."""
        name, address = parseaddr(self.mail_from)
        return self.mail_from if name else formataddr((self.shop_name, address))


# Headers are not folded below RFC 5322's 998-character limit: folded, a long
# List-Unsubscribe URL would be turned into an encoded word no mail provider reads as a URL.
POLICY = email.policy.default.clone(max_line_length=998)


def build_message(row, settings):
    """The message a row stands for: the same bytes every time it is built."""
    message = EmailMessage(policy=POLICY)
    message["From"] = settings.from_header
    message["To"] = row.recipient
    message["Subject"] = row.subject
    message["Date"] = format_datetime(row.created_at.replace(tzinfo=UTC))
    message["Message-ID"] = row.message_id
    message["Auto-Submitted"] = "auto-generated"
    if row.unsubscribe_url:  # RFC 8058: mail clients offer a one-click unsubscribe
        message["List-Unsubscribe"] = f"<{row.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(row.body_text)
    if row.body_html:
        message.add_alternative(row.body_html, subtype="html")
        # The boundary is derived from the Message-ID rather than random, so that a retry
        # produces byte-identical content.
        digest = hashlib.sha256(row.message_id.encode()).hexdigest()[:40]
        message.set_boundary(f"=_storefront_{digest}")
    return message


def backoff(attempts, settings):
    """How long to wait after the given number of failed attempts: base × 2^(n-1), capped."""
    seconds = settings.retry_base * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.retry_max))


def claim(limit, settings):
    """Claim up to `limit` due rows: status sending, a lease, one more attempt counted.

    The transaction is short and holds no SMTP conversation. On PostgreSQL rows another worker
    has locked are skipped, not waited for, so several workers share the outbox and each row
    goes to one of them. On SQLite write transactions begin IMMEDIATE, so claims are serialised.
    """
    now = utcnow()
    lease = now + timedelta(seconds=settings.claim_seconds)
    with database.atomic():
        query = OutboxMessage.due(now).limit(limit)
        if not is_sqlite():
            query = query.for_update(skip_locked=True)
        rows = list(query)
        if rows:
            (OutboxMessage
             .update(status=OutboxMessage.SENDING, claimed_until=lease,
                     attempts=OutboxMessage.attempts + 1)
             .where(OutboxMessage.id.in_([row.id for row in rows]))
             .execute())
    for row in rows:
        row.status, row.claimed_until, row.attempts = OutboxMessage.SENDING, lease, row.attempts + 1
    return rows


# Mail whose body is a secret of its recipient (OutboxMessage.holds_secret): once delivered,
# the shop keeps only the headers, so nobody at the shop can use it.
FORGOTTEN = ("(Delivered. The shop does not keep this message's text: it held a code or a "
             "link only its recipient may use.)")


def mark_sent(row):
    """The SMTP server accepted the message."""
    changes = {"status": OutboxMessage.SENT, "sent_at": utcnow(), "claimed_until": None,
               "last_error": ""}
    if row.holds_secret:
        changes.update(body_text=FORGOTTEN, body_html="")
    OutboxMessage.update(**changes).where(OutboxMessage.id == row.id).execute()


def record_failure(row, error, permanent, settings):
    """An attempt failed: try again after a backoff, or mark the row failed when the server
    refused it for good or the attempts are used up. Returns the new status."""
    failed = permanent or row.attempts >= settings.max_attempts
    status = OutboxMessage.FAILED if failed else OutboxMessage.PENDING
    (OutboxMessage
     .update(status=status, claimed_until=None, last_error=describe(error)[:300],
             next_attempt_at=utcnow() + backoff(row.attempts, settings))
     .where((OutboxMessage.id == row.id) & (OutboxMessage.status == OutboxMessage.SENDING))
     .execute())
    return status


def withhold(row):
    """A marketing mail whose recipient no longer consents: never sent."""
    (OutboxMessage
     .update(status=OutboxMessage.WITHHELD, claimed_until=None,
             last_error="Withheld: the recipient withdrew consent before it was sent.")
     .where((OutboxMessage.id == row.id) & (OutboxMessage.status == OutboxMessage.SENDING))
     .execute())


def wanted(row, settings):
    """False for marketing whose recipient's consent is gone (or cannot be checked)."""
    if not row.purpose:
        return True
    return settings.still_wanted is not None and settings.still_wanted(row)


def release(rows):
    """Give back claimed rows that were not tried (the worker is stopping): due again at once,
    and the attempt the claim counted is taken back."""
    if rows:
        (OutboxMessage
         .update(status=OutboxMessage.PENDING, claimed_until=None,
                 attempts=OutboxMessage.attempts - 1)
         .where(OutboxMessage.id.in_([row.id for row in rows])
                & (OutboxMessage.status == OutboxMessage.SENDING))
         .execute())


def requeue(message_id):
    """Staff: send a failed message again with a fresh set of attempts. Returns the row, or
    None when there is no such failed message."""
    updated = (OutboxMessage
               .update(status=OutboxMessage.PENDING, attempts=0, next_attempt_at=utcnow(),
                       claimed_until=None)
               .where((OutboxMessage.id == message_id)
                      & (OutboxMessage.status == OutboxMessage.FAILED))
               .execute())
    return OutboxMessage.get_by_id(message_id) if updated else None


def describe(error):
    """A short, one-line account of an SMTP failure (what the server said; never a body)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(error.recipients.values()))
        detail = f"{code} {_text(text)}"
    elif isinstance(error, smtplib.SMTPResponseException):
        detail = f"{error.smtp_code} {_text(error.smtp_error)}"
    else:
        detail = f"{type(error).__name__}: {error}"
    return " ".join(detail.split())


def _text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def is_permanent(error):
    """True when the server refused the message for good (a 5xx answer): retrying won't help."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and \
        not isinstance(error, smtplib.SMTPServerDisconnected) and error.smtp_code >= 500


class Connection:
    """One SMTP session, opened when first needed and opened again after it broke."""

    def __init__(self, settings):
        self.settings = settings
        self._smtp = None

    def send(self, message, recipient):
        """Send one message to one recipient; raise what smtplib raises."""
        if self._smtp is None:
            self._smtp = _connect(self.settings)
        try:
            self._smtp.send_message(message, from_addr=self.settings.envelope_sender,
                                    to_addrs=[recipient])
        except (OSError, smtplib.SMTPServerDisconnected):
            self.close()
            raise

    def close(self):
        """Say goodbye if the session is still up."""
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None


def _connect(settings):
    """Open an SMTP session from SMTP_URL: smtp://, smtp+starttls:// or smtps://, with an
    optional user:password@."""
    url = urlsplit(settings.smtp_url)
    if url.scheme not in ("smtp", "smtps", "smtp+starttls"):
        raise ValueError(f"SMTP_URL must start with smtp://, smtp+starttls:// or smtps://, "
                         f"not {url.scheme}://")
    if url.scheme == "smtps":
        smtp = smtplib.SMTP_SSL(url.hostname, url.port or 465, timeout=settings.timeout,
                                context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(url.hostname, url.port or 25, timeout=settings.timeout)
    try:
        if url.scheme == "smtp+starttls":
            smtp.starttls(context=ssl.create_default_context())
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
    except BaseException:
        smtp.close()
        raise
    return smtp


def deliver(rows, settings, stop, connection):
    """Send claimed rows one by one, recording each outcome; when `stop` is set, give back the
    rest untried. Returns a Counter of sent, retry, failed, withheld (and released)."""
    outcome = Counter()
    for index, row in enumerate(rows):
        if stop.is_set():
            release(rows[index:])
            outcome["released"] += len(rows) - index
            break
        if not wanted(row, settings):
            withhold(row)
            outcome["withheld"] += 1
            continue
        try:
            connection.send(build_message(row, settings), row.recipient)
        except (OSError, smtplib.SMTPException) as error:
            status = record_failure(row, error, is_permanent(error), settings)
            outcome["failed" if status == OutboxMessage.FAILED else "retry"] += 1
        else:
            mark_sent(row)
            outcome["sent"] += 1
    return outcome


def run(settings, stop, batch=20, poll=2.0, once=False, report=None):
    """The worker loop: claim a batch, deliver it, repeat; when nothing is due, wait `poll`
    seconds (or, with once, return). Returns the total Counter."""
    totals = Counter()
    connection = Connection(settings)
    try:
        while not stop.is_set():
            rows = claim(batch, settings)
            if not rows:
                connection.close()  # no idle session held open against the server
                if once:
                    break
                stop.wait(poll)
                continue
            outcome = deliver(rows, settings, stop, connection)
            totals.update(outcome)
            if report:
                report(outcome)
    finally:
        connection.close()
    return totals
