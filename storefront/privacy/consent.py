"""The consent ledger's rules (P7, P20): record a choice, derive the current one, decide
whether a marketing mail may be sent.

A person is an account (customer id) or an email address. Their current choice for a
purpose is their latest event that names the account or the address: the latest choice a
person made, wherever they made it, is the one that counts. Nothing is consented until an
event says so.
"""
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from peewee import fn

from storefront.db import utcnow
from storefront.privacy.models import ConsentEvent, PolicyVersion
from storefront.privacy.policy import current_version


@dataclass(frozen=True)
class Purpose:
    key: str
    name: str  # what it is called in lists and histories
    label: str  # what the box next to it says
    description: str  # what it means, for the privacy page and the preferences page


SHOP_MARKETING = "shop_marketing"
PARTNER_OFFERS = "partner_offers"
PURPOSES = {
    SHOP_MARKETING: Purpose(
        SHOP_MARKETING, "The shop's offers and news", "Send me the shop's offers and news",
        "Occasional mail from us about new products, sales and the shop's news."),
    PARTNER_OFFERS: Purpose(
        PARTNER_OFFERS, "Partner offers", "Send me offers from the shop's partners",
        "Offers from the companies whose co-branded shops we run, sent by us: saying yes "
        "gives no partner your address."),
}
MARKETING_PURPOSES = (SHOP_MARKETING, PARTNER_OFFERS)

# Where a choice was made. The label is what staff and the person see in the history.
CHANNELS = {
    "registration": "Registration form",
    "checkout": "Checkout",
    "contest": "Contest entry form",
    "catalogue_request": "Catalogue request form",
    "contact_form": "Contact form",
    "account": "My Account, communication preferences",
    "optout_form": "Public opt-out form",
    "email_link": "Link in an email",
    "care_email": "Email to Customer Care",
    "phone": "Telephone call with Customer Care",
    "policy_notice": "Notice of a policy change",
}


class ConsentError(ValueError):
    """An unknown purpose or channel: a programming error, never user input."""


def email_key(address):
    """The form of an address the ledger matches on: normalised as accounts store it, and
    lower-cased (plain lower-casing when it is not a valid address)."""
    address = (address or "").strip()
    try:
        address = validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        pass
    return address.lower()


def _subject_filter(customer_id, address):
    key = email_key(address)
    if customer_id is None and not key:
        raise ConsentError("a consent event needs an account or an email address")
    matches = []
    if customer_id is not None:
        matches.append(ConsentEvent.customer_id == customer_id)
    if key:
        matches.append(ConsentEvent.email_key == key)
    clause = matches[0]
    for extra in matches[1:]:
        clause |= extra
    return clause


def current(customer_id=None, address=""):
    """{purpose: True/False} for every purpose: the latest event for each, False if none."""
    latest = {}
    query = (ConsentEvent.select(ConsentEvent.purpose, ConsentEvent.given)
             .where(_subject_filter(customer_id, address))
             .order_by(ConsentEvent.at, ConsentEvent.id))
    for event in query:
        latest[event.purpose] = event.given
    return {purpose: latest.get(purpose, False) for purpose in _known_purposes(latest)}


def _known_purposes(seen):
    return list(PURPOSES) + [purpose for purpose in seen if purpose not in PURPOSES]


def allows(purpose, customer_id=None, address=""):
    """True when the person's latest choice for the purpose is "given"."""
    event = (ConsentEvent.select(ConsentEvent.given)
             .where(_subject_filter(customer_id, address) & (ConsentEvent.purpose == purpose))
             .order_by(ConsentEvent.at.desc(), ConsentEvent.id.desc()).first())
    return bool(event and event.given)


def record(purpose, given, channel, *, customer_id=None, address="", staff_id=None,
           reference="", ip="", now=None):
    """Add one event to the ledger and return it (always: this is the explicit act)."""
    _check(purpose, channel)
    now = now or utcnow()
    return ConsentEvent.create(
        customer_id=customer_id, email_key=email_key(address), purpose=purpose,
        given=bool(given), channel=channel, staff_id=staff_id,
        policy_version=current_version(now).label, reference=reference[:80],
        ip=ip if ip and len(ip) <= 45 else "",  # a scoped IPv6 address can be longer
        at=now)


def record_choices(choices, channel, *, customer_id=None, address="", staff_id=None,
                   reference="", ip=""):
    """Record what a form's consent boxes say ({purpose: ticked}), one event for each
    purpose whose box differs from the person's current choice. Returns the new events."""
    state = current(customer_id, address)
    return [record(purpose, ticked, channel, customer_id=customer_id, address=address,
                   staff_id=staff_id, reference=reference, ip=ip)
            for purpose, ticked in choices.items() if state.get(purpose, False) != bool(ticked)]


def withdraw_all(channel, *, customer_id=None, address="", staff_id=None, reference="",
                 ip="", purposes=MARKETING_PURPOSES):
    """Withdraw the given purposes (every marketing purpose by default), recording an event
    only for those currently given. Returns the new events."""
    return record_choices({purpose: False for purpose in purposes}, channel,
                          customer_id=customer_id, address=address, staff_id=staff_id,
                          reference=reference, ip=ip)


def history(customer_id=None, address=""):
    """The person's events, newest first."""
    return list(ConsentEvent.select().where(_subject_filter(customer_id, address))
                .order_by(ConsentEvent.at.desc(), ConsentEvent.id.desc()))


def counts_by_channel():
    """{channel: number of events}: a summary for staff."""
    return {row.channel: row.n for row in
            ConsentEvent.select(ConsentEvent.channel, fn.COUNT(ConsentEvent.id).alias("n"))
            .group_by(ConsentEvent.channel)}


def is_known(purpose):
    """True for a built-in purpose or one a published policy version added."""
    return purpose in PURPOSES or _named_by_a_policy(purpose)


def purpose(key):
    """The Purpose for a key; a policy-added use is described by its key."""
    if key in PURPOSES:
        return PURPOSES[key]
    words = key.replace("_", " ")
    return Purpose(key, words.capitalize(), f"Send me {words}", words.capitalize())


def latest_event_time(address, given):
    """When the address last gave (or withdrew, given=False) any consent; None if never."""
    event = (ConsentEvent.select(ConsentEvent.at)
             .where((ConsentEvent.email_key == email_key(address))
                    & (ConsentEvent.given == given))
             .order_by(ConsentEvent.at.desc()).first())
    return event.at if event else None


def _check(purpose, channel):
    if not is_known(purpose):
        raise ConsentError(f"unknown purpose {purpose!r}")
    if channel not in CHANNELS:
        raise ConsentError(f"unknown channel {channel!r}")


def _named_by_a_policy(purpose):
    """A purpose added by a published policy version (uses beyond the built-in ones)."""
    return any(purpose in version.adds_uses.split(",") for version in
               PolicyVersion.select(PolicyVersion.adds_uses).where(PolicyVersion.adds_uses != ""))
