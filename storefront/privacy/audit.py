"""The audit log: every staff look at a person's data, every export and disclosure (P14).

Events are only ever added (AuditEvent is append-only) and the app has no page that changes
or removes one.

What is recorded:
- a page about one person or one of their records (an order, a message, a partner's
  customer) is one event naming that person: their account id and address, whichever the
  page knows;
- a search for people (the care console's customer search) is one event per person it
  showed (`shown`), each naming them and saying how many the page showed. A search is how
  staff look someone up, and a short term lists many people with their contact details: "who
  looked at Ada?" must have an answer even when Ada was one of fifty;
- other lists of several people (the partner portal's customers and orders, the staff mail
  searched for a recipient, the care orders overview, contest winners, disclosures) are one
  event whose `what` says how many people it showed, naming the person only when the list
  holds exactly one (`listed`); an export of several people's data (the partner portal's
  CSV files, catalogue requests for the mail house) is one EXPORTED event, likewise
  (`exported`). Such a list is reached by choosing a filter or a page, not by typing someone's
  name, and its event says which list it was;
- adding, stopping or restarting a partner's staff login (which opens that partner's
  customers to someone) is one CHANGED event naming the login's address and the partner;
- an administrator giving a staff member a temporary password is one CHANGED event naming
  the member's address (never the password);
- a search of the request log by IP address or visitor id names nobody (the log holds no
  account) and keeps the searched IP or visitor id in `what`.
No event holds a term typed to find someone. Work queues that show everyone as the work
comes in (mail waiting or failed, unread care messages, orders to ship) are not recorded
unless searched for someone: they answer no question about whom a staff member looked at.
Aggregate reports show nobody.
"""
from storefront.db import utcnow
from storefront.privacy.consent import email_key
from storefront.privacy.models import AuditEvent
from storefront.web.params import client_ip

ACTIONS = (AuditEvent.VIEWED, AuditEvent.EXPORTED, AuditEvent.DISCLOSED, AuditEvent.ERASED,
           AuditEvent.CHANGED)
PAGE_SIZE = 50
_IP_LENGTH = AuditEvent.ip.max_length
_WHAT_LENGTH = AuditEvent.what.max_length


def record(action, what, *, staff_id, customer_id=None, address="", ip=""):
    """Add one event. `what` is cut to fit; an IP too long to be one is not kept."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    return AuditEvent.create(at=utcnow(), staff_id=staff_id, action=action,
                             customer_id=customer_id, email_key=email_key(address),
                             what=what[:_WHAT_LENGTH],
                             ip=ip if len(ip) <= _IP_LENGTH else "")


def viewed(staff, what, *, customer_id=None, address=""):
    """For a staff page showing one person's data: record it with the request's IP."""
    return record(AuditEvent.VIEWED, what, staff_id=staff.id, customer_id=customer_id,
                  address=address, ip=client_ip())


def listed(staff, what, people):
    """For a staff page showing several people: one event saying how many (see _several)."""
    return _several(AuditEvent.VIEWED, staff, what, people)


def shown(staff, what, people):
    """For a staff page showing several people found by a search: one event per person,
    written in one INSERT, each naming them (what says how many the page showed).

    people: (customer id or None, address or "") for each row shown; rows of one person (see
    _persons) make one event. Nothing is written when nobody was shown."""
    persons = _persons(people)
    if not persons:
        return 0
    suffix = _how_many(len(persons))
    what, at, ip = what[:_WHAT_LENGTH - len(suffix)] + suffix, utcnow(), client_ip()
    ip = ip if len(ip) <= _IP_LENGTH else ""
    return AuditEvent.insert_many(
        [{"at": at, "staff_id": staff.id, "action": AuditEvent.VIEWED,
          "customer_id": customer_id, "email_key": key, "what": what, "ip": ip}
         for customer_id, key in persons]).execute()


def exported(staff, what, people):
    """For a file of several people's data given to staff: one event saying how many."""
    return _several(AuditEvent.EXPORTED, staff, what, people)


def _persons(people):
    """The people behind rows of (customer id or None, address or ""), in the order first
    shown, each as (customer id or None, email key or "").

    Rows with the same address are one person, and so are rows without an address but with
    the same account; a person's account id is kept when their rows name exactly one."""
    found = {}  # person (email key, else account id): (ids seen, key)
    for customer_id, address in people:
        key = email_key(address)
        if not key and customer_id is None:
            continue
        ids, _ = found.setdefault(key or customer_id, (set(), key))
        if customer_id is not None:
            ids.add(customer_id)
    return [(next(iter(ids)) if len(ids) == 1 else None, key) for ids, key in found.values()]


def _how_many(count):
    return f" ({count} {'person' if count == 1 else 'people'})"


def _several(action, staff, what, people):
    """One event for rows of several people, naming the person when there is only one (see
    _persons)."""
    persons = _persons(people)
    customer_id, key = persons[0] if len(persons) == 1 else (None, "")
    suffix = _how_many(len(persons))
    return record(action, what[:_WHAT_LENGTH - len(suffix)] + suffix, staff_id=staff.id,
                  customer_id=customer_id, address=key, ip=client_ip())


def find(*, staff_id=None, customer_id=None, address="", action="", since=None, until=None):
    """Events matching every filter given, newest first. The person filter matches an event
    naming the account or the address; since and until are included."""
    query = AuditEvent.select().order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if staff_id is not None:
        query = query.where(AuditEvent.staff_id == staff_id)
    person = None
    if customer_id is not None:
        person = AuditEvent.customer_id == customer_id
    if address:
        by_address = AuditEvent.email_key == email_key(address)
        person = by_address if person is None else person | by_address
    if person is not None:
        query = query.where(person)
    if action:
        query = query.where(AuditEvent.action == action)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at <= until)
    return query


def page(query, number, size=PAGE_SIZE):
    """One page of a query: (rows, whether there is a next page)."""
    rows = list(query.offset((number - 1) * size).limit(size + 1))
    return rows[:size], len(rows) > size
