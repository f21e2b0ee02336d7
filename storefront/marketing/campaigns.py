"""Campaigns (P7, P11.3): a marketing mail to an audience, always cut down to the people whose
current choice for the campaign's purpose is "given", sent through the outbox in batches.

A person is an account when the address belongs to one (their choices made signed in count),
else an email address; one mail per person. Pressing Send fixes the audience: the people who
were in it, consenting, at that moment (`started_at`). Each batch is one transaction that
queues the next people by email key who have no mail of the campaign yet (the outbox rows
carry `campaign_id`) and still consent: a batch that dies writes nothing, the next one starts
where the last committed one ended, and nobody is queued twice. The mail worker asks the
ledger once more just before sending, so a withdrawal after queueing withholds the mail.
"""
from collections import namedtuple

from peewee import JOIN, SQL, fn

from storefront.accounts.models import Customer
from storefront.db import database, is_sqlite, utcnow
from storefront.mail.models import OutboxMessage
from storefront.marketing.models import Campaign, CatalogueRequest
from storefront.orders.models import Order
from storefront.partners.models import Partner
from storefront.privacy import consent, mailing
from storefront.privacy.models import ConsentEvent
from storefront.privacy.policy import render_markdown

AUDIENCES = {
    "registered": "Registered users",
    "customers": "Customers: everyone who placed an order, with an account or as a guest",
    "catalogue": "Catalogue requesters who gave an email address",
}
PURPOSES = consent.MARKETING_PURPOSES
CATEGORY = "campaign"
SUBJECT_LENGTH = 200

# One person of an audience: their email key, the address mail goes to, their account or None.
Recipient = namedtuple("Recipient", "key address customer")


class CampaignError(ValueError):
    """A campaign that cannot be made as asked; `field` names the form field at fault."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field


def partners():
    """The partners a partner offer may be limited to, by name."""
    return list(Partner.select().order_by(Partner.name))


def create(subject, body, purpose, audiences, partner_id, staff_id):
    """A draft campaign. Only a partner offer may be limited to one partner's customers."""
    subject, body = subject.strip(), body.strip()
    if not subject or len(subject) > SUBJECT_LENGTH:
        raise CampaignError("subject", f"Give a subject of at most {SUBJECT_LENGTH} characters.")
    if not body:
        raise CampaignError("body", "Write the message.")
    if purpose not in PURPOSES:
        raise CampaignError("purpose", "Choose what kind of mail this is.")
    audiences = [key for key in AUDIENCES if key in set(audiences)]
    if not audiences:
        raise CampaignError("audience", "Choose at least one group of people.")
    partner = Partner.get_or_none(Partner.id == partner_id) if partner_id else None
    if partner_id and partner is None:
        raise CampaignError("partner", "Choose a partner from the list.")
    if partner is not None and purpose != consent.PARTNER_OFFERS:
        raise CampaignError("partner", "Only a partner offer can be limited to one partner's "
                                       "customers.")
    return Campaign.create(subject=subject, body=body, purpose=purpose,
                           audience=",".join(audiences), partner=partner,
                           created_by_id=staff_id)


def audience_names(campaign):
    """The campaign's groups of people, as staff read them."""
    return [AUDIENCES[key] for key in campaign.audience.split(",") if key in AUDIENCES]


def recipients(campaign, as_of=None):
    """The people the campaign is for, sorted by email key: in its groups (and, for one
    partner's offer, that partner's co-brand customers) and consenting to its purpose, as
    things stood at `as_of` (now when None)."""
    people = _candidates(campaign, as_of)
    return sorted(_consenting(people, campaign.purpose, as_of), key=lambda person: person.key)


def _candidates(campaign, as_of):
    """{email key: Recipient} of the campaign's groups; an address that belongs to a live
    account stands for that account."""
    as_of = as_of or utcnow()
    groups = set(campaign.audience.split(","))
    accounts = {consent.email_key(customer.email): customer for customer in
                Customer.select(Customer.id, Customer.email, Customer.partner,
                                Customer.created_at).where(Customer.erased_at.is_null())}
    found = {}

    def add(address):
        key = consent.email_key(address)
        customer = accounts.get(key)
        if key and key not in found:
            found[key] = Recipient(key, customer.email if customer else address, customer)

    if "registered" in groups:
        for customer in accounts.values():
            if customer.created_at <= as_of:
                add(customer.email)
    if "customers" in groups:
        for address, in _order_addresses(as_of).tuples():
            add(address)
    if "catalogue" in groups:
        for address, in (CatalogueRequest.select(CatalogueRequest.email)
                         .where((CatalogueRequest.email != "")
                                & (CatalogueRequest.requested_at <= as_of)).tuples()):
            add(address)
    if campaign.partner_id is not None:
        cobrand = {key for key, customer in accounts.items()
                   if customer.partner_id == campaign.partner_id}
        cobrand.update(consent.email_key(address) for address, in
                       _order_addresses(as_of, Order.partner == campaign.partner_id).tuples())
        found = {key: person for key, person in found.items() if key in cobrand}
    return found.values()


def _order_addresses(as_of, *conditions):
    """The address of everyone who placed an order by `as_of`: the account's for an account
    (unless erased), the one given at checkout for a guest."""
    address = fn.COALESCE(Customer.email, Order.email)
    return (Order.select(address.alias("address"))
            .join(Customer, JOIN.LEFT_OUTER, on=(Order.customer == Customer.id))
            .where(Customer.erased_at.is_null() & (Order.placed_at <= as_of), *conditions)
            .distinct())


def _consenting(people, purpose, as_of=None):
    """The people whose latest choice for the purpose (up to `as_of`) is "given": what
    consent.allows says for each, from two queries (latest event per address and per
    account) instead of one per person."""
    by_key = _latest_choices(ConsentEvent.email_key, purpose, as_of)
    by_account = _latest_choices(ConsentEvent.customer_id, purpose, as_of)

    def given(person):
        choices = [by_key.get(person.key)]
        if person.customer is not None:
            choices.append(by_account.get(person.customer.id))
        latest = max(filter(None, choices), default=None)  # (at, id, given): ids are unique
        return latest is not None and bool(latest[2])

    return [person for person in people if given(person)]


def _latest_choices(column, purpose, as_of):
    """{address key or account id: (at, id, given)} of the latest event for the purpose."""
    ranking = fn.ROW_NUMBER().over(partition_by=[column],
                                   order_by=[ConsentEvent.at.desc(), ConsentEvent.id.desc()])
    condition = (ConsentEvent.purpose == purpose) & column.is_null(False)
    if column is ConsentEvent.email_key:
        condition &= ConsentEvent.email_key != ""
    if as_of is not None:
        condition &= ConsentEvent.at <= as_of
    ranked = (ConsentEvent.select(column.alias("who"), ConsentEvent.at, ConsentEvent.id,
                                  ConsentEvent.given, ranking.alias("place"))
              .where(condition).alias("ranked"))
    query = (ConsentEvent.select(ranked.c.who, ranked.c.at, ranked.c.id, ranked.c.given)
             .from_(ranked).where(ranked.c.place == 1).tuples())
    return {who: (at, event_id, given) for who, at, event_id, given in query}


def mail_context(campaign):
    """What the campaign's mail templates are rendered with."""
    return {"title": campaign.subject, "text_body": campaign.body,
            "html_body": render_markdown(campaign.body)}


def start(campaign_id, now=None):
    """Send: fix the audience as it is now and hand the campaign to the batch step. False
    when it is not a draft (sent already, or Send pressed twice)."""
    now = now or utcnow()
    with database.atomic():
        campaign = _locked(campaign_id)
        if campaign is None or campaign.status != Campaign.DRAFT:
            return False
        campaign.total = len(recipients(campaign, now))
        campaign.status, campaign.started_at = Campaign.SENDING, now
        campaign.save()
    return True


def send_batch(campaign_id, size):
    """Queue the next `size` people of a sending campaign, in one transaction; mark it sent
    when nobody is left. Returns how many mails were queued."""
    with database.atomic():
        campaign = _locked(campaign_id)
        if campaign is None or campaign.status != Campaign.SENDING:
            return 0
        done = {consent.email_key(address) for address, in
                OutboxMessage.select(OutboxMessage.recipient)
                .where(OutboxMessage.campaign_id == campaign.id).tuples()}
        fixed = recipients(campaign, campaign.started_at)
        waiting = [person for person in _consenting(fixed, campaign.purpose)  # still now
                   if person.key not in done]
        context = mail_context(campaign)
        written = sum(_enqueue(campaign, person, context) is not None
                      for person in waiting[:size])
        campaign.queued = len(done) + written
        if len(waiting) <= size:
            campaign.status, campaign.finished_at = Campaign.SENT, utcnow()
        campaign.save()
    return written


def _enqueue(campaign, person, context):
    return mailing.enqueue_marketing(person.address, campaign.purpose, CATEGORY,
                                     campaign.subject, "campaign", customer=person.customer,
                                     campaign_id=campaign.id, **context)


def send_pending(size):
    """One batch of every sending campaign, oldest first. Returns the mails queued."""
    sending = (Campaign.select(Campaign.id).where(Campaign.status == Campaign.SENDING)
               .order_by(Campaign.id))
    return sum(send_batch(campaign.id, size) for campaign in list(sending))


def _locked(campaign_id):
    """The campaign, its row locked until the transaction ends, so that two batch steps
    never queue the same people (SQLite's write transactions already run one at a time)."""
    query = Campaign.select().where(Campaign.id == campaign_id)
    if not is_sqlite():
        query = query.for_update()
    return query.first()


def progress(campaign):
    """{status: number} of the campaign's mails in the outbox (sent, pending, sending,
    withheld, failed)."""
    counts = dict.fromkeys((OutboxMessage.SENT, OutboxMessage.PENDING, OutboxMessage.SENDING,
                            OutboxMessage.WITHHELD, OutboxMessage.FAILED), 0)
    counts.update((status, n) for status, n in
                  OutboxMessage.select(OutboxMessage.status, fn.COUNT(SQL("*")))
                  .where(OutboxMessage.campaign_id == campaign.id)
                  .group_by(OutboxMessage.status).tuples())
    return counts


def campaigns():
    """Every campaign, newest first."""
    return list(Campaign.select().order_by(Campaign.created_at.desc(), Campaign.id.desc()))
