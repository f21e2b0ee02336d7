"""Publishing a version of the privacy policy (P15): a version that adds a use takes effect
only POLICY_NOTICE_DAYS after it is published, and everyone it concerns is told at once, with
a one-click link to refuse each new use before it applies."""
import re
from collections import namedtuple
from datetime import timedelta

from flask import current_app
from peewee import IntegrityError

from storefront.db import database, utcnow
from storefront.mail import outbox
from storefront.privacy import consent, mailing
from storefront.privacy.models import PolicyNotice, PolicyVersion
from storefront.privacy.policy import FIRST_VERSION, added_uses

USE_KEY = re.compile(r"[a-z][a-z0-9_]{2,39}")
LONGEST_NOTICE = timedelta(days=730)
LABEL_LENGTH = PolicyVersion.label.max_length
USES_LENGTH = PolicyVersion.adds_uses.max_length

# outbox.enqueue reads only the id of the account a mail is for; privacy sits below accounts.
_Account = namedtuple("_Account", "id")


class PublishError(ValueError):
    """A version that cannot be published. `field` names what it is about (label, summary,
    body, adds_uses, effective_at); the message is written for the staff member."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field


def publish(label, summary, body, adds_uses, effective_at, staff_id, recipients, now=None):
    """Publish a version and queue its notice, in one transaction; return the PolicyVersion.

    adds_uses: the keys of the uses it adds, separated by commas (or spaces). effective_at:
    when it takes effect (naive UTC; None: at once, for a version that adds no use).
    recipients: (address, customer id or None) pairs; each address gets one notice, the
    account's pairs coming first so the notice names the account. PublishError when the
    version breaks a rule.
    """
    now = now or utcnow()
    label, summary, body = label.strip(), summary.strip(), body.strip()
    uses, effective_at = _check(label, summary, adds_uses, effective_at, now)
    try:
        with database.atomic():
            version = PolicyVersion.create(label=label, summary=summary, body=body,
                                           adds_uses=",".join(uses), effective_at=effective_at,
                                           published_at=now, published_by_id=staff_id)
            for address, customer_id in _unique(recipients):
                _tell(version, uses, address, customer_id)
    except IntegrityError:  # the same label, published at the same moment by someone else
        raise PublishError("label", _taken(label)) from None
    return version


def earliest_effective(now=None):
    """The earliest moment a version that adds a use may take effect if published now."""
    return (now or utcnow()) + timedelta(days=current_app.config["POLICY_NOTICE_DAYS"])


def _parse_uses(adds_uses):
    uses = list(dict.fromkeys(part for part in re.split(r"[\s,]+", adds_uses or "") if part))
    for use in uses:
        if not USE_KEY.fullmatch(use):
            raise PublishError("adds_uses", f"“{use}” is not a use key: 3 to 40 lowercase "
                               "letters, digits and _, starting with a letter.")
        if use in consent.PURPOSES:
            raise PublishError("adds_uses", f"“{use}” is one of the shop's own purposes, "
                               "not a new use.")
    existing = added_uses()
    already = [use for use in uses if use in existing]  # added once: one date per use
    if already:
        raise PublishError("adds_uses", f"A published version already adds {already[0]}.")
    if len(",".join(uses)) > USES_LENGTH:
        raise PublishError("adds_uses", f"At most {USES_LENGTH} characters of use keys.")
    return uses


def _check(label, summary, adds_uses, effective_at, now):
    """The rules a version must meet; returns its uses and the moment it takes effect."""
    if not label or len(label) > LABEL_LENGTH:
        raise PublishError("label", f"Give the version a label of 1 to {LABEL_LENGTH} "
                           "characters.")
    if label == FIRST_VERSION.label or \
            PolicyVersion.select().where(PolicyVersion.label == label).exists():
        raise PublishError("label", _taken(label))
    if not summary:
        raise PublishError("summary", "Say in a few words what changes: the notice "
                           "quotes it.")
    uses = _parse_uses(adds_uses)
    if effective_at is None and not uses:
        effective_at = now
    earliest = earliest_effective(now)
    if uses and (effective_at is None or effective_at < earliest):
        days = current_app.config["POLICY_NOTICE_DAYS"]
        raise PublishError("effective_at", f"A version that adds a use takes effect at least "
                           f"{days} days after it is published, so that everyone can refuse "
                           f"it first: {earliest:%Y-%m-%d %H:%M} UTC or later.")
    if effective_at < now:
        raise PublishError("effective_at", "A version cannot take effect in the past.")
    if effective_at > now + LONGEST_NOTICE:
        raise PublishError("effective_at", "A version takes effect within two years of "
                           "being published: a date further away is most likely a typing "
                           "mistake, and it would hold back every later version.")
    pending = (PolicyVersion.select().where(PolicyVersion.effective_at > effective_at)
               .order_by(PolicyVersion.effective_at.desc()).first())
    if pending is not None:
        raise PublishError("effective_at", f"Version {pending.label} takes effect on "
                           f"{pending.effective_at:%Y-%m-%d %H:%M} UTC; a new version cannot "
                           "take effect before it.")
    return uses, effective_at


def _taken(label):
    return f"A version labelled “{label}” is already published: choose another label."


def _unique(recipients):
    """The pairs with one per address (by consent.email_key), the first one kept."""
    seen = set()
    for address, customer_id in recipients:
        key = consent.email_key(address)
        if key and key not in seen:
            seen.add(key)
            yield address, customer_id


def announce_pending(address, customer_id, now=None):
    """Tell a new account of the versions that add a use and are not in force yet: without
    it, a use announced before the account existed would never apply to it (a use applies,
    unless refused, only to the people told of it in advance)."""
    # Only while the full notice period is still ahead: someone told later has not had the
    # time everyone else had to refuse, so the use does not apply to them unless they ask.
    now = now or utcnow()
    pending = list(PolicyVersion.select().where((PolicyVersion.effective_at > now)
                                                & (PolicyVersion.adds_uses != "")))
    for version in pending:
        if version.effective_at >= earliest_effective(now):
            _tell(version, version.adds_uses.split(","), address, customer_id)


def _tell(version, uses, address, customer_id):
    """Queue the notice and record that the person was told (once per address)."""
    key = consent.email_key(address)
    if PolicyNotice.select().where((PolicyNotice.version == version)
                                   & (PolicyNotice.email_key == key)).exists():
        return
    _enqueue_notice(version, uses, address, customer_id)
    PolicyNotice.create(version=version, email_key=key, customer_id=customer_id)


def _enqueue_notice(version, uses, address, customer_id):
    """A service message: every account gets it, whatever it chose about marketing."""
    links = [(consent.purpose(use), mailing.unsubscribe_url(use, customer_id, address))
             for use in uses]
    return outbox.enqueue(
        address, "policy_notice",
        f"Our privacy policy changes on {_day(version.effective_at)}", "policy_notice",
        customer=_Account(customer_id) if customer_id is not None else None,
        version=version, effective_day=_day(version.effective_at), links=links,
        link_days=current_app.config["UNSUBSCRIBE_LINK_DAYS"],
        policy_url=outbox.shop_link("privacy.policy"))


def _day(moment):
    return f"{moment.day} {moment:%B %Y}"
