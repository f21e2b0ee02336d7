"""Finding a customer for Customer Care and gathering what care may see of them (P4, P21):
contact details, orders and their lines, saved cards as the shop knows them (brand, first
digit, last four, expiry), consent, correspondence, mail sent and call notes.

Deleted accounts (erased) are neither found nor shown: what is left of them is kept as proof,
not for care to look at.
"""
import re
from dataclasses import dataclass

from peewee import JOIN

from storefront.accounts.contact import ContactError, normalise_phone
from storefront.accounts.models import Customer, Phone, StaffUser
from storefront.fulfilment.carrier import tracking_url
from storefront.fulfilment.models import Shipment
from storefront.mail.models import OutboxMessage
from storefront.orders import service as orders
from storefront.orders.models import Order
from storefront.payments.models import Payment, SavedCard
from storefront.privacy import consent
from storefront.support import notes
from storefront.support.models import Correspondence

SEARCH_LIMIT = 50
MAIL_LIMIT = 100
# What a phone number may look like as typed: digits, spaces and the usual punctuation.
_PHONE_TYPED = re.compile(r"\+?[0-9 ().\-/]+")
_MIN_PHONE_DIGITS = 7


@dataclass
class SearchResults:
    customers: list  # Customer rows, by name
    phones: dict  # {customer id: [Phone]}
    orders: list  # Order rows (with .customer), newest first
    more: bool  # there were more than the limit of customers or of orders

    def people(self):
        """(customer id, address) of everyone shown, for the audit log."""
        return [(row.id, row.email) for row in self.customers] + \
            [(row.customer_id, row.email) for row in self.orders]


def phone_candidates(term, region):
    """The stored forms a phone number typed any way may have: the number read in the shop's
    country (E.164), and its digits as typed; empty when the term is not a phone number."""
    if not _PHONE_TYPED.fullmatch(term):
        return set()
    digits = re.sub(r"[^0-9]", "", term)
    if len(digits) < _MIN_PHONE_DIGITS:
        return set()
    candidates = {f"+{digits}", digits}
    try:
        candidates.add(normalise_phone(term, region))
    except ContactError:
        pass
    return candidates


def search(term, region, limit=SEARCH_LIMIT):
    """Customers whose name or email holds the term, or who have the phone number (on the
    account or on one of their orders); and orders with the number, or guest orders (no
    account) with the phone number or the email. region: the country a phone number without
    a country code is read in."""
    phones, number = phone_candidates(term, region), orders.normalise_number(term)
    matches = Customer.name.contains(term) | Customer.email_key.contains(term.lower())
    if phones:
        matches |= Customer.id.in_(Phone.select(Phone.customer).where(Phone.number.in_(phones)))
        matches |= Customer.id.in_(Order.select(Order.customer)
                                   .where(Order.phone.in_(phones) & Order.customer.is_null(False)))
    customers = list(Customer.select().where(Customer.erased_at.is_null() & matches)
                     .order_by(Customer.name, Customer.id).limit(limit + 1))
    found_orders = _orders_found(term, phones, number, limit)
    more = len(customers) > limit or len(found_orders) > limit
    customers, found_orders = customers[:limit], found_orders[:limit]
    return SearchResults(customers, _phones_of(customers), found_orders, more)


def _orders_found(term, phones, number, limit):
    guest = Order.customer.is_null()
    clauses = []
    if number:
        clauses.append(Order.number == number)
    if phones:
        clauses.append(guest & Order.phone.in_(phones))
    if "@" in term:
        clauses.append(guest & Order.email.contains(term))
    if not clauses:
        return []
    matches = clauses[0]
    for clause in clauses[1:]:
        matches |= clause
    return list(Order.select(Order, Customer).join(Customer, JOIN.LEFT_OUTER).where(matches)
                .order_by(Order.placed_at.desc(), Order.id.desc()).limit(limit + 1))


def _phones_of(customers):
    grouped = {row.id: [] for row in customers}
    for phone in Phone.select().where(Phone.customer.in_(list(grouped))).order_by(Phone.kind):
        grouped[phone.customer_id].append(phone)
    return grouped


def staff_names(ids):
    """{staff id: name} for the ids given (None and unknown ids left out)."""
    wanted = {staff_id for staff_id in ids if staff_id is not None}
    if not wanted:
        return {}
    return {row.id: row.name for row in
            StaffUser.select(StaffUser.id, StaffUser.name).where(StaffUser.id.in_(wanted))}


@dataclass
class CustomerFile:
    """Everything the customer page shows."""

    customer: Customer
    addresses: dict  # {kind: Address}
    phones: list
    orders: list
    lines: dict  # {order id: [OrderLine]}
    cards: list
    consent: dict  # {purpose key: given}: built-in purposes and announced uses
    withdrawable: list  # purpose keys an opt-out by phone can withdraw now
    history: list  # ConsentEvent rows, newest first
    correspondence: list
    mails: list
    notes: list
    staff: dict  # {staff id: name} for the consent history


def customer_file(customer):
    """Gather the customer page."""
    placed = list(Order.of_customer(customer).select(Order, StaffUser)
                  .join(StaffUser, JOIN.LEFT_OUTER, on=Order.taken_by))
    state = consent_state(customer)
    history = consent.history(customer.id, customer.email)
    return CustomerFile(
        customer=customer,
        addresses={row.kind: row for row in customer.addresses},
        phones=list(customer.phones.order_by(Phone.kind)),
        orders=placed, lines=orders.lines_by_order(placed),
        cards=list(SavedCard.of_customer(customer)),
        consent=state, withdrawable=[key for key, given in state.items() if given],
        history=history,
        correspondence=Correspondence.of_customer(customer),
        mails=OutboxMessage.to_person(customer.id, customer.email_key, MAIL_LIMIT),
        notes=notes.of_customer(customer),
        staff=staff_names(event.staff_id for event in history))


def consent_state(customer):
    """{purpose: given} for every purpose an opt-out can withdraw: the built-in marketing
    purposes and the uses a policy version adds (announced or in force)."""
    state = {**consent.announced(customer.id, customer.email),
             **consent.current(customer.id, customer.email)}
    return {key: given for key, given in state.items() if consent.is_known(key)}


@dataclass
class OrderFile:
    """Everything the order page shows."""

    order: Order
    lines: list
    addresses: dict  # {kind: OrderAddress}
    payments: list
    shipments: list
    tracking: dict  # {shipment id: tracking link}
    mails: list
    notes: list  # empty unless asked for


def order_file(order, tracking_template, with_notes):
    """Gather the order page; tracking_template: the carrier's tracking link with
    {tracking_number} in it; with_notes: whether to read its call notes (care's only)."""
    shipments = Shipment.of_order(order)
    return OrderFile(
        order=order, lines=orders.lines_of(order),
        addresses={row.kind: row for row in order.addresses},
        payments=Payment.of_order(order.number),
        shipments=shipments,
        tracking={row.id: tracking_url(tracking_template, row.tracking_number)
                  for row in shipments if row.tracking_number},
        mails=OutboxMessage.about_order(order.number, MAIL_LIMIT),
        notes=notes.of_order(order) if with_notes else [])
