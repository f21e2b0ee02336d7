"""The audit log: every staff page showing a person's data writes one event naming them;
events and disclosures can only be added, never changed, replaced or removed."""
from datetime import datetime, timedelta

import pytest

from storefront.accounts.models import Customer, StaffUser
from storefront.mail.models import OutboxMessage
from storefront.orders import service as orders
from storefront.orders.models import Order
from storefront.partners import service as partners
from storefront.privacy import audit
from storefront.privacy.models import AuditEvent, ConsentEvent, Disclosure
from storefront.support.models import Correspondence
from tests.factories import (STAFF_PASSWORD, address, make_customer, make_product, make_staff,
                             staff_sign_in)
from tests.partners.conftest import make_partner


def events():
    """Every audit event, oldest first, as (staff id, action, customer id, email key, what)."""
    return [(e.staff_id, e.action, e.customer_id, e.email_key, e.what)
            for e in AuditEvent.select().order_by(AuditEvent.id)]


def staff_client(app, role):
    member = make_staff(role)
    client = app.test_client()
    staff_sign_in(client, member.email)
    return client, member


def place(number, customer, email, partner=None):
    order, _ = orders.record_order(number, customer, email, "+12175550134", address(),
                                   address(), "standard", 595,
                                   [orders.LineRequest(make_product(), 1)], [], "")
    if partner is not None:
        Order.update(partner=partner).where(Order.id == order.id).execute()
    return order


# --- Recording --------------------------------------------------------------------------

def test_record_cuts_what_to_fit_keeps_the_address_key_and_drops_an_overlong_ip(db):
    event = audit.record(AuditEvent.VIEWED, "x" * 300, staff_id=7, customer_id=3,
                         address=" Ada.Shopper@Example.COM ", ip="203.0.113.7")
    stored = AuditEvent.get_by_id(event.id)
    assert (stored.staff_id, stored.action, stored.customer_id) == (7, "viewed", 3)
    assert stored.what == "x" * 200 and stored.email_key == "ada.shopper@example.com"
    assert stored.ip == "203.0.113.7"
    event = audit.record(AuditEvent.EXPORTED, "file", staff_id=7, ip="1" * 46)
    assert AuditEvent.get_by_id(event.id).ip == ""
    assert AuditEvent.get_by_id(event.id).email_key == ""
    with pytest.raises(ValueError):
        audit.record("peeked", "x", staff_id=7)


@pytest.mark.parametrize("model, fields", [
    (AuditEvent, {"staff_id": 1, "action": "viewed", "what": "order"}),
    (Disclosure, {"email_key": "a@example.com", "authority": "Court", "case_reference": "C-1",
                  "legal_basis": "Order of the court", "staff_id": 1}),
    (ConsentEvent, {"email_key": "a@example.com", "purpose": "shop_marketing", "given": True,
                    "channel": "registration", "policy_version": "2026-01"}),
])
def test_append_only_rows_cannot_be_changed_replaced_or_removed(db, model, fields):
    row = model.create(**fields)
    before = model.select().dicts().get()
    other = {name: value for name, value in fields.items()}
    attempts = [
        lambda: row.save(),
        lambda: row.delete_instance(),
        lambda: model.update(staff_id=2).execute(),
        lambda: model.delete().execute(),
        lambda: model.delete_by_id(row.id),
        lambda: model.set_by_id(row.id, {"staff_id": 2}),
        lambda: model.replace(id=row.id, **other).execute(),
        lambda: model.replace_many([{"id": row.id, **other}]).execute(),
        lambda: model.insert(id=row.id, **other).on_conflict_replace().execute(),
        lambda: model.insert(id=row.id, **other).on_conflict(
            conflict_target=[model.id], preserve=list(model._meta.sorted_fields[1:])).execute(),
        lambda: model.insert_many([{"id": row.id, **other}]).on_conflict(
            conflict_target=[model.id], update={model.id: row.id + 100}).execute(),
        lambda: model.insert_from(model.select(*[getattr(model, name) for name in fields]),
                                  list(fields)).on_conflict_replace().execute(),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionError):
            attempt()
    assert list(model.select().dicts()) == [before]
    model.insert(**fields).execute()  # adding stays possible
    assert model.select().count() == 2


def test_find_filters_by_staff_person_action_and_date_newest_first(db):
    ada = make_customer()
    at = datetime(2026, 3, 10, 12)
    rows = [(1, AuditEvent.VIEWED, ada.id, "", at),
            (2, AuditEvent.VIEWED, None, "ada@example.com", at + timedelta(days=1)),
            (1, AuditEvent.EXPORTED, None, "bob@example.com", at + timedelta(days=2)),
            (2, AuditEvent.DISCLOSED, ada.id, "ada@example.com", at + timedelta(days=3))]
    for staff_id, action, customer_id, key, when in rows:
        AuditEvent.create(staff_id=staff_id, action=action, customer_id=customer_id,
                          email_key=key, what="w", at=when)

    def days(**filters):
        return [event.at.day for event in audit.find(**filters)]

    assert days() == [13, 12, 11, 10]
    assert days(staff_id=1) == [12, 10]
    assert days(customer_id=ada.id) == [13, 10]
    assert days(address="ADA@example.com") == [13, 11]
    assert days(customer_id=ada.id, address="ada@example.com") == [13, 11, 10]
    assert days(action=AuditEvent.EXPORTED) == [12]
    assert days(since=datetime(2026, 3, 11), until=datetime(2026, 3, 12, 12)) == [12, 11]
    first, more = audit.page(audit.find(), 1, size=3)
    assert [e.at.day for e in first] == [13, 12, 11] and more
    assert [e.at.day for e in audit.page(audit.find(), 2, size=3)[0]] == [10]
    assert audit.page(audit.find(), 2, size=3)[1] is False


# --- Every staff page showing a person's data writes one event ---------------------------

def test_the_fulfilment_order_page_records_whose_order_was_seen(app, db):
    ada = make_customer()
    order = place("K7QM-3XPD", ada, "Ada@Example.com")
    client, member = staff_client(app, "fulfilment")
    assert "1 Main Street" in client.get(f"/staff/fulfilment/{order.number}") \
        .get_data(as_text=True)
    assert events() == [(member.id, "viewed", ada.id, "ada@example.com",
                         "order K7QM-3XPD: addresses and phone")]
    assert AuditEvent.get().ip == "127.0.0.1"
    client.get(f"/staff/fulfilment/{order.number}")
    assert len(events()) == 2  # every view is one event
    client.get("/staff/fulfilment/")  # the queue shows no one's details
    assert client.get("/staff/fulfilment/NONE-2222").status_code == 404
    assert len(events()) == 2


def test_a_guest_order_names_the_address(app, db):
    order = place("GSTT-2345", None, "gus@example.com")
    client, member = staff_client(app, "admin")
    client.get(f"/staff/fulfilment/{order.number}")
    assert events() == [(member.id, "viewed", None, "gus@example.com",
                         "order GSTT-2345: addresses and phone")]


def test_staff_mail_records_a_message_read_and_a_search_for_someone(app, db):
    ada = make_customer()
    mine = OutboxMessage.create(message_id="<1@example.com>", category="order",
                                recipient="ada@example.com", customer_id=ada.id,
                                subject="Your order", body_text="Hello Ada")
    OutboxMessage.create(message_id="<2@example.com>", category="order",
                         recipient="ada@example.com", subject="Earlier", body_text="Hello")
    OutboxMessage.create(message_id="<3@example.com>", category="order",
                         recipient="bob@example.com", subject="Bob's", body_text="Hello Bob")
    client, member = staff_client(app, "care")
    assert "Hello Ada" in client.get(f"/staff/mail/{mine.id}").get_data(as_text=True)
    assert events() == [(member.id, "viewed", ada.id, "ada@example.com",
                         f"mail message {mine.id}")]
    client.get("/staff/mail/")  # the outbox as work arrives: no one searched for
    client.get("/staff/mail/?q=ada@example.com")  # two messages, one person
    client.get("/staff/mail/?q=example.com")  # both people
    assert events()[1:] == [
        (member.id, "viewed", ada.id, "ada@example.com",
         "mail searched by recipient or order number (1 person)"),
        (member.id, "viewed", None, "", "mail searched by recipient or order number (2 people)")]
    # The search term, which may be an address, is in no description.
    assert not any("ada@" in event[4] for event in events())


def test_the_care_inbox_records_each_message_read(app, db):
    ada = make_customer()
    letter = Correspondence.create(source="email", sender_email="Ada@example.com",
                                   customer=ada, subject="My order", body="Private words")
    client, member = staff_client(app, "care")
    assert "Private words" in client.get(f"/care/inbox/{letter.id}").get_data(as_text=True)
    client.get("/care/inbox/")
    assert client.get(f"/care/inbox/{letter.id + 1}").status_code == 404
    assert events() == [(member.id, "viewed", ada.id, "ada@example.com",
                         f"correspondence {letter.id}")]


def test_a_request_log_search_records_the_ip_or_visitor_searched(app, db):
    client, member = staff_client(app, "care")
    client.get("/care/requests/")  # the empty form
    assert client.get("/care/requests/?ip=not-an-ip").status_code == 400
    assert events() == []
    client.get("/care/requests/?ip=203.0.113.7&days=3")
    client.get("/care/requests/?visitor=abc_123")
    assert events() == [
        (member.id, "viewed", None, "", "request log of IP 203.0.113.7, visitor any"),
        (member.id, "viewed", None, "", "request log of IP any, visitor abc_123")]


def test_the_partner_portal_records_pages_lists_and_exports(app, db):
    alpha, beta = make_partner("alpha", name="Alpha"), make_partner("beta", name="Beta")
    people = []
    for name, partner in (("ann", alpha), ("abe", alpha), ("bea", beta)):
        customer = make_customer(name=name.title(), email=f"{name}@example.com")
        Customer.update(partner=partner).where(Customer.id == customer.id).execute()
        people.append(customer)
    ann, abe, bea = people
    order = place("ANNA-2345", ann, "ann@example.com", alpha)
    partners.add_staff("portal@alpha.example", "Portal", ["partner"], STAFF_PASSWORD, "alpha")
    client = app.test_client()
    staff_sign_in(client, "portal@alpha.example")
    staff_id = StaffUser.by_email_key("portal@alpha.example").id
    for url in ("/partner/customers", f"/partner/customers/{ann.id}", "/partner/orders",
                f"/partner/orders/{order.number}", "/partner/export/customers.csv",
                "/partner/export/orders.csv"):
        assert client.get(url).status_code == 200, url
    for url in (f"/partner/customers/{bea.id}", "/partner/orders/NONE-2222"):
        assert client.get(url).status_code == 404, url  # nothing seen, nothing recorded
    recorded = events()
    assert {event[0] for event in recorded} == {staff_id}
    assert [event[1:] for event in recorded] == [
        ("viewed", None, "", "partner portal: customers (2 people)"),
        ("viewed", ann.id, "ann@example.com", "partner portal: customer"),
        ("viewed", ann.id, "", "partner portal: orders (1 person)"),
        ("viewed", ann.id, "", "partner portal: order ANNA-2345"),
        ("exported", None, "", "partner portal: customers.csv (2 people)"),
        ("exported", ann.id, "", "partner portal: orders.csv (1 person)")]
    assert abe.id not in {event[2] for event in recorded}


def test_reports_show_aggregates_and_record_nothing(app, db):
    place("K7QM-3XPD", make_customer(), "ada@example.com")
    client, _ = staff_client(app, "admin")
    assert client.get("/staff/reports/").status_code == 200
    assert events() == []
