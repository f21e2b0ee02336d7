"""The audit log: every staff look at a person's data, every export and disclosure (P14).

Events are only ever added (AuditEvent is append-only) and the app has no page that changes
or removes one.

What is recorded, one event per request:
- a page about one person or one of their records (an order, a message, a partner's
  customer) names that person: their account id and address, whichever the page knows;
- a list of several people (the partner portal's customers and orders, the staff mail
  searched for a recipient) is one event whose `what` says how many people it showed, and
  names the person only when the list holds exactly one;
- an export (the partner portal's CSV files, a disclosure's JSON) is EXPORTED, likewise;
- a search of the request log by IP address or visitor id names nobody (the log holds no
  account) and keeps the searched IP or visitor id in `what`.
Work queues that show everyone as the work comes in (mail waiting or failed, unread care
messages, orders to ship) are not recorded unless searched for someone: they answer no
question about whom a staff member looked at. Aggregate reports show nobody.
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


def exported(staff, what, people):
    """For a file of several people's data given to staff: one event saying how many."""
    return _several(AuditEvent.EXPORTED, staff, what, people)


def _several(action, staff, what, people):
    """One event for rows of several people, naming the person when there is only one.

    people: (customer id or None, address or "") for each row shown. Rows with the same
    address are one person, and so are rows without an address but with the same account.
    """
    rows = [(customer_id, email_key(address)) for customer_id, address in people]
    persons = {key or customer_id for customer_id, key in rows if key or customer_id is not None}
    customer_id, key = None, ""
    if len(persons) == 1:
        ids = {row_id for row_id, _ in rows if row_id is not None}
        customer_id = ids.pop() if len(ids) == 1 else None
        key = next((row_key for _, row_key in rows if row_key), "")
    suffix = f" ({len(persons)} {'person' if len(persons) == 1 else 'people'})"
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
