"""Deleting an account opened from a guest order (an invitation, or "become a customer"):
the mail and the audit events written while the order was a guest's name its address and
no account, yet the address is the holder's. After erasure no row pairs that address with
the order; a stranger's guest order keeps its records."""
import hashlib

import pytest

from storefront.accounts.models import Customer
from storefront.checkout import service
from storefront.db import utcnow
from storefront.mail.models import OutboxMessage
from storefront.privacy import audit
from storefront.privacy.models import AuditEvent
from storefront.rights import erasure
from tests.factories import (PASSWORD, add_to_cart, checkout, make_product, make_staff,
                             post_form)
from tests.rights.conftest import ADA, BEA, Someone, details, latest_order, ship
from tests.rights.test_erasure import SECRET, every_row

CARE_IP = "10.0.0.5"


def hashed(address):
    return "sha256:" + hashlib.sha256(address.encode()).hexdigest()


@pytest.fixture
def guest_order(app, db):
    """guest_order(ADA): a guest order placed in the shop under the person's address, with a
    gift card for someone else, looked at by care, and an invitation to open an account for
    it mailed and audited as checkout/invitation.py does (customer_id None, the address
    only)."""
    lamp = make_product(name="Larkspur Lamp", price_cents=4000)
    care = make_staff("care")

    def place(fields):
        person = Someone(**fields)
        client = app.test_client()
        add_to_cart(client, lamp)
        assert post_form(client, "/gift-cards/", {
            "amount": "5000", "other_amount": "", "recipient_name": person.gift_to,
            "recipient_email": person.gift_email, "sender_name": person.name,
            "message": person.gift_message}).status_code == 302
        assert checkout(client, details=details(person), holder=person.name).status_code == 302
        order = latest_order()
        audit.record(AuditEvent.VIEWED, f"order {order.number}", staff_id=care.id,
                     address=order.email, ip=CARE_IP)
        OutboxMessage.create(
            message_id=f"<invitation-{order.number}@test>", category="account_invitation",
            recipient=order.email, order_number=order.number, status=OutboxMessage.SENT,
            subject=f"Open an account for your order {order.number}",
            body_text=f"Dear {person.name}, open an account for order {order.number}.")
        audit.record(AuditEvent.CHANGED,
                     f"invitation to open an account emailed for order {order.number}",
                     staff_id=care.id, address=order.email, ip=CARE_IP)
        return person, order
    return place


def open_account(app, processor, order):
    """Open the account from the order and deliver the order (an account with an open order
    is kept)."""
    with app.test_request_context():
        customer = service.open_account_from_order(order, PASSWORD, "10.0.0.1",
                                                   address_proven=True)
    ship(app, order, processor, make_staff("fulfilment", email="ship@staff.example.com"))
    return customer


def erase(customer):
    erasure.erase_account(Customer.get_by_id(customer.id), utcnow(), SECRET)


def rows_naming(address, number=""):
    return [(table, text) for table, text in every_row()
            if address in text.lower() and number in text]


def test_the_orders_earlier_mail_becomes_the_new_accounts(app, processor, guest_order):
    ada, order = guest_order(ADA)
    with app.test_request_context():
        customer = service.open_account_from_order(order, PASSWORD, "10.0.0.1",
                                                   address_proven=True)
    mail = OutboxMessage.select().where(OutboxMessage.order_number == order.number)
    # The gift card's mail went to its recipient, not to the order's address: not the account's.
    assert {(m.category, m.recipient, m.customer_id) for m in mail} == {
        ("account_invitation", ada.email, customer.id), ("gift_card", ada.gift_email, None)}


def test_nothing_pairs_the_address_with_the_order_after_erasure(app, processor, guest_order):
    ada, order = guest_order(ADA)
    bea, bea_order = guest_order(BEA)
    assert rows_naming(ada.email, order.number)
    bea_before = rows_naming(bea.email)

    customer = open_account(app, processor, order)
    erase(customer)

    assert rows_naming(ada.email, order.number) == []
    assert [table for table, _ in rows_naming(ada.email)
            if table in ("outbox_message", "audit_event")] == []
    invitation = OutboxMessage.get(OutboxMessage.category == "account_invitation",
                                   OutboxMessage.order_number == order.number)
    assert (invitation.recipient, invitation.body_text) == \
        (f"deleted-{customer.id}@invalid", "")
    gift_card = OutboxMessage.get(OutboxMessage.category == "gift_card",
                                  OutboxMessage.order_number == order.number)
    assert gift_card.recipient == ada.gift_email and ada.gift_message in gift_card.body_text
    # The audit events stay as proof, the address by its hash; care's IP is care's own.
    assert {(e.action, e.email_key, e.ip) for e in AuditEvent.select().where(
        AuditEvent.what.contains(order.number))} == {
        (AuditEvent.VIEWED, hashed(ada.email), CARE_IP),
        (AuditEvent.CHANGED, hashed(ada.email), CARE_IP)}
    # A stranger's guest order is not the account's: all of it stays as it was.
    assert rows_naming(bea.email) == bea_before
    assert {e.email_key for e in AuditEvent.select().where(
        AuditEvent.what.contains(bea_order.number))} == {bea.email}


def test_the_address_given_with_the_order_is_forgotten_after_the_account_changed_its_own(
        app, processor, guest_order):
    ada, order = guest_order(ADA)
    customer = open_account(app, processor, order)
    Customer.update(email="ada.new@example.com", email_key="ada.new@example.com") \
        .where(Customer.id == customer.id).execute()
    erase(customer)
    assert rows_naming(ada.email, order.number) == []
    assert {e.email_key for e in AuditEvent.select().where(
        AuditEvent.what.contains(order.number))} == {hashed(ada.email)}


def test_mail_about_the_order_to_its_address_not_adopted_is_forgotten_too(
        app, processor, guest_order):
    """Mail written before accounts adopted their order's mail: it names no account."""
    ada, order = guest_order(ADA)
    customer = open_account(app, processor, order)
    OutboxMessage.update(customer_id=None).execute()
    OutboxMessage.update(recipient=ada.email.upper()) \
        .where(OutboxMessage.category == "account_invitation").execute()
    erase(customer)
    assert rows_naming(ada.email, order.number) == []
    placeholder = f"deleted-{customer.id}@invalid"
    assert {(m.category, m.recipient) for m in OutboxMessage.select()} == {
        ("account_invitation", placeholder), ("shipment", placeholder),
        ("tracking", placeholder), ("gift_card", ada.gift_email)}
