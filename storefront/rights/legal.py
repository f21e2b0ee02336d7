"""Legal disclosure (P14): the legal team hands one person's data to an authority that asks
for it on a legal basis. Each disclosure is a Disclosure row and a DISCLOSED audit event,
each download of the data an EXPORTED one; none of them can be changed afterwards."""
from dataclasses import dataclass
from datetime import datetime, time

from peewee import fn

from storefront.accounts.models import Customer
from storefront.db import database, utcnow
from storefront.orders.models import Order
from storefront.privacy import audit, inventory
from storefront.privacy.consent import email_key
from storefront.privacy.models import AuditEvent, Disclosure
from storefront.rights.export import person_data
from storefront.web.params import whole_number


class UnknownPerson(ValueError):
    """No account and no order under the address: there is nobody to disclose."""


@dataclass(frozen=True)
class Person:
    """Whom a disclosure or a filter is about: an account, an address, or both."""

    customer_id: int | None
    address: str


def find_person(address):
    """The account under the address, or the address alone when orders were placed with it
    as a guest; UnknownPerson otherwise."""
    key = email_key(address)
    customer = Customer.by_email_key(key) if key else None
    if customer is not None:
        return Person(customer.id, customer.email_key)
    if key and Order.select().where(fn.LOWER(Order.email) == key).exists():
        return Person(None, key)
    raise UnknownPerson("We hold no account and no order under this address.")


def open_disclosure(staff, address, authority, case_reference, legal_basis, ip):
    """Record that the person's data goes to the authority: the Disclosure and its audit
    event, together. UnknownPerson if the address names nobody."""
    person = find_person(address)
    with database.atomic():
        disclosure = Disclosure.create(
            customer_id=person.customer_id, email_key=person.address, authority=authority,
            case_reference=case_reference, legal_basis=legal_basis, staff_id=staff.id,
            at=utcnow())
        audit.record(AuditEvent.DISCLOSED,
                     f"disclosure {disclosure.id} to {authority}, case {case_reference}",
                     staff_id=staff.id, customer_id=person.customer_id, address=person.address,
                     ip=ip)
    return disclosure


def disclosure_data(disclosure, staff, ip, secret):
    """The disclosed person's data with what the disclosure says, JSON-ready; recorded as an
    export by the staff member. The authority named the address, so what is tied to the
    address alone is in too (sign-in attempts are found with the app's secret key)."""
    data = person_data(disclosure.customer_id, disclosure.email_key, secret,
                       recipient=inventory.LEGAL)
    audit.record(AuditEvent.EXPORTED, f"disclosure {disclosure.id}: the person's data as JSON",
                 staff_id=staff.id, customer_id=disclosure.customer_id,
                 address=disclosure.email_key, ip=ip)
    return {"disclosure": {"id": disclosure.id, "authority": disclosure.authority,
                           "case_reference": disclosure.case_reference,
                           "legal_basis": disclosure.legal_basis,
                           "opened_at": disclosure.at.isoformat(timespec="seconds") + "Z",
                           "exported_at": utcnow().isoformat(timespec="seconds") + "Z"},
            "data": data}


def disclosures():
    """Every disclosure, newest first."""
    return Disclosure.select().order_by(Disclosure.at.desc(), Disclosure.id.desc())


def audit_events(*, staff_id=None, person="", action="", first_day=None, last_day=None):
    """The audit log as the audit page filters it, newest first: days are UTC dates, the
    last one included."""
    who = _person(person) if person else Person(None, "")
    return audit.find(
        staff_id=staff_id, customer_id=who.customer_id, address=who.address, action=action,
        since=datetime.combine(first_day, time()) if first_day else None,
        until=datetime.combine(last_day, time.max) if last_day else None)


def _person(text):
    """What the audit page's person box means: a customer number or an email address, with
    the account's address or the address's account added, so events naming either match."""
    text = text.strip()
    number = whole_number(text)
    if number is not None:
        customer = Customer.get_or_none(Customer.id == number)
        return Person(number, customer.email_key if customer else "")
    key = email_key(text)
    customer = Customer.by_email_key(key)
    return Person(customer.id if customer else None, key)
