"""The consent ledger's rules (P7, P20): record a choice, derive the current one, decide
whether a marketing mail may be sent.

A person is an account (customer id) or an email address. Their current choice for a
purpose is their latest event that names the account or the address: the latest choice a
person made, wherever they made it, is the one that counts. For the built-in purposes nothing
is consented until an event says so. A use a policy version adds (P15) is announced in
advance with a link to refuse it, and applies from that version's effective date to the
people who were told of it (PolicyNotice) and have not refused it; never to anyone else.
"""
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from peewee import fn

from storefront.db import utcnow
from storefront.privacy.models import ConsentEvent, PolicyNotice, PolicyVersion
from storefront.privacy.policy import added_uses, current_version


@dataclass(frozen=True)
class Purpose:
    key: str
    name: str  # what it is called in lists and histories
    label: str  # what the box next to it says
    description: str  # what it means, for the privacy page and the preferences page


SHOP_MARKETING = "shop_marketing"
PARTNER_OFFERS = "partner_offers"
SITE_UPDATES = "site_updates"
PURPOSES = {
    SHOP_MARKETING: Purpose(
        SHOP_MARKETING, "The shop's offers and news", "Send me the shop's offers and news",
        "Occasional mail from us about new products, sales and the shop's news."),
    PARTNER_OFFERS: Purpose(
        PARTNER_OFFERS, "Partner offers", "Send me offers from the shop's partners",
        "Offers from the companies whose co-branded shops we run, sent by us: saying yes "
        "gives no partner your address."),
    SITE_UPDATES: Purpose(
        SITE_UPDATES, "Site updates and new products",
        "Send me news of the site and of new products",
        "A note when the site changes in a way you would notice, or new products arrive."),
}
MARKETING_PURPOSES = (SHOP_MARKETING, PARTNER_OFFERS, SITE_UPDATES)

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


def _latest(customer_id, address):
    """{purpose: given} of the person's latest event for each purpose they have one for."""
    query = (ConsentEvent.select(ConsentEvent.purpose, ConsentEvent.given)
             .where(_subject_filter(customer_id, address))
             .order_by(ConsentEvent.at, ConsentEvent.id))
    return {event.purpose: event.given for event in query}


def _applies(purpose, uses, now, told):
    """The choice of someone who made none: a use a policy version added applies from that
    version's effective date to the people told of it in advance; nothing else is given."""
    since = uses.get(purpose)
    return since is not None and since <= now and purpose in told


def _told_of(customer_id, address):
    """The uses added by the policy versions the person was told of before they applied."""
    clause = PolicyNotice.email_key == email_key(address)
    if customer_id is not None:
        clause |= PolicyNotice.customer_id == customer_id
    told = set()
    for version in (PolicyVersion.select(PolicyVersion.adds_uses).join(PolicyNotice)
                    .where(clause & (PolicyVersion.adds_uses != "")).distinct()):
        told.update(filter(None, version.adds_uses.split(",")))
    return told


def current(customer_id=None, address="", now=None):
    """{purpose: True/False} for every built-in purpose, every use in force and every
    purpose the person chose about: their latest event for each, else the default above."""
    now = now or utcnow()
    latest, uses = _latest(customer_id, address), added_uses()
    in_force = [use for use, since in uses.items() if since <= now]
    told = _told_of(customer_id, address) if in_force else set()
    keys = [*PURPOSES, *in_force, *latest]
    return {key: latest[key] if key in latest else _applies(key, uses, now, told)
            for key in dict.fromkeys(keys)}


def announced(customer_id=None, address=""):
    """{use: applies to the person} for every use a policy version adds, in force or still
    announced: their latest choice, else whether they were told of it in advance."""
    uses = added_uses()
    if not uses:
        return {}
    latest, told = _latest(customer_id, address), _told_of(customer_id, address)
    return {use: latest[use] if use in latest else use in told for use in uses}


def allows(purpose, customer_id=None, address="", now=None):
    """True when the person's latest choice for the purpose is "given", or when they made
    none and the purpose is a use a policy version added, in force, that they were told of."""
    event = (ConsentEvent.select(ConsentEvent.given)
             .where(_subject_filter(customer_id, address) & (ConsentEvent.purpose == purpose))
             .order_by(ConsentEvent.at.desc(), ConsentEvent.id.desc()).first())
    if event is not None:
        return bool(event.given)
    if purpose in PURPOSES:
        return False
    uses, now = added_uses(), now or utcnow()
    return _applies(purpose, uses, now, _told_of(customer_id, address)
                    if purpose in uses else set())


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
    state = {**announced(customer_id, address), **current(customer_id, address)}
    return [record(purpose, ticked, channel, customer_id=customer_id, address=address,
                   staff_id=staff_id, reference=reference, ip=ip)
            for purpose, ticked in choices.items() if state.get(purpose, False) != bool(ticked)]


def withdraw_all(channel, *, customer_id=None, address="", staff_id=None, reference="",
                 ip="", purposes=None):
    """Withdraw the given purposes (every marketing purpose by default), recording an event
    only for those given: by the person's latest event or, without one, because a policy
    version adds the use (refusing it before its effective date counts too). Returns the new
    events."""
    latest, uses = _latest(customer_id, address), added_uses()
    if purposes is None:  # every kind of marketing, and every use a policy version adds
        purposes = [*MARKETING_PURPOSES, *uses]
    return [record(purpose, False, channel, customer_id=customer_id, address=address,
                   staff_id=staff_id, reference=reference, ip=ip)
            for purpose in purposes if latest.get(purpose, purpose in uses)]


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
    return purpose in PURPOSES or purpose in added_uses()


def marketing_list():
    """The addresses (as the ledger keys them) whose current choice for any marketing purpose
    (built-in, or a use a policy version added) is given, sorted. A query for the latest
    event per address and purpose, ranked by a window function; and, per use in force, one
    for the addresses told of it that made no choice about it."""
    uses = added_uses()
    ranking = fn.ROW_NUMBER().over(
        partition_by=[ConsentEvent.email_key, ConsentEvent.purpose],
        order_by=[ConsentEvent.at.desc(), ConsentEvent.id.desc()])
    ranked = (ConsentEvent.select(ConsentEvent.email_key, ConsentEvent.given,
                                  ranking.alias("place"))
              .where((ConsentEvent.email_key != "")
                     & ConsentEvent.purpose.in_([*MARKETING_PURPOSES, *uses]))
              .alias("ranked"))
    given = (ConsentEvent.select(ranked.c.email_key).from_(ranked)
             .where((ranked.c.place == 1) & (ranked.c.given == True))  # noqa: E712
             .distinct())
    # A deleted account's events are kept as proof under a hash of its address: no one to mail.
    found = {row.email_key for row in given if not row.email_key.startswith("sha256:")}
    now = utcnow()
    in_force = [use for use, since in uses.items() if since <= now]
    for use in in_force:  # one query per use in force (a handful, ever)
        decided = ConsentEvent.select(ConsentEvent.email_key).where(ConsentEvent.purpose == use)
        found.update(row.email_key for row in
                     PolicyNotice.select(PolicyNotice.email_key)
                     .where(PolicyNotice.version.in_(_versions_adding(use))
                            & PolicyNotice.email_key.not_in(decided)))
    return sorted(found)


def _versions_adding(use):
    return [version.id for version in PolicyVersion.select(PolicyVersion.id,
                                                           PolicyVersion.adds_uses)
            if use in version.adds_uses.split(",")]


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

