"""Call notes (P4): what was said when Customer Care phoned a customer or was phoned about an
order. Notes are only ever added: the next associate reads what the last one wrote, who
wrote it and when."""
from peewee import JOIN, IntegrityError

from storefront.accounts.models import StaffUser
from storefront.db import database
from storefront.orders.models import Order
from storefront.support.models import CallNote

MAX_NOTE = 4000


class NoteError(ValueError):
    """A note that cannot be kept; the message may be shown next to the text box."""


def _clean(body):
    """Line ends as the browser counts them for maxlength (one character each)."""
    return (body or "").replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").strip()


def add(staff, body, *, customer=None, order=None, form_key=None):
    """Keep a note on a customer, an order, or both. A note on an order with a (not
    deleted) account is the account's too, so it shows on the customer's page.

    form_key is the note form's one-time key: a second call with the same key (a double
    click, a reload) keeps nothing new and returns the note the first one kept."""
    if customer is None and order is None:
        raise ValueError("a call note is about a customer or an order")
    body = _clean(body)
    if not body:
        raise NoteError("Write what was said on the call.")
    if len(body) > MAX_NOTE:
        raise NoteError(f"Use at most {MAX_NOTE:,} characters.")
    if form_key is not None:
        earlier = CallNote.get_or_none(CallNote.form_key == form_key)
        if earlier is not None:
            return earlier
    if customer is None and order.customer_id is not None and order.customer.erased_at is None:
        customer = order.customer
    try:
        with database.atomic():
            return CallNote.create(customer=customer, order=order, staff=staff, body=body,
                                   form_key=form_key)
    except IntegrityError:
        # The same form posted twice at once: the other request kept the note.
        earlier = CallNote.get_or_none(CallNote.form_key == form_key) if form_key else None
        if earlier is None:
            raise
        return earlier


def _listed(query):
    return list(query.select(CallNote, StaffUser, Order)
                .join_from(CallNote, StaffUser, JOIN.LEFT_OUTER)
                .join_from(CallNote, Order, JOIN.LEFT_OUTER)
                .order_by(CallNote.created_at.desc(), CallNote.id.desc()))


def of_customer(customer):
    """The notes on the customer and on any of their orders, newest first (with the staff
    member who wrote each and its order)."""
    orders = Order.select(Order.id).where(Order.customer == customer)
    return _listed(CallNote.select().where((CallNote.customer == customer)
                                           | CallNote.order.in_(orders)))


def of_order(order):
    """The notes on the order, newest first."""
    return _listed(CallNote.select().where(CallNote.order == order))
