"""The care console's customer side (P4, P21): finding a customer by name, email, phone or
order number; the customer page and the order page, with cards masked and every view in the
audit log; who may open them."""
import re

import pytest

from storefront.accounts.models import Customer
from storefront.db import utcnow
from storefront.fulfilment.models import Shipment
from storefront.orders import service as orders
from storefront.orders.models import Order
from storefront.privacy import consent
from storefront.privacy.models import AuditEvent
from storefront.rights.erasure import erase_account
from storefront.support.models import Correspondence
from tests.factories import (CARD_EXPIRY, add_to_cart, address, checkout, make_customer,
                             make_product, make_staff, post_form, sign_in, staff_sign_in)
from tests.mail.conftest import make_message

FULL_CARD_FORMS = ("4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111",
                   "411111")


def place(number, customer=None, email="gus@example.com", phone="", **extra):
    """An order recorded as checkout records it."""
    order, _ = orders.record_order(number, customer, email, phone, address(), address(),
                                   "standard", 595, [orders.LineRequest(make_product(), 1)],
                                   [], "", **extra)
    return order


def found(care, term):
    """Search as the form does: the term is posted, never put in the address."""
    response = post_form(care, "/care/", {"q": term})
    return response.status_code, response.get_data(as_text=True)


@pytest.mark.parametrize("typed", ["(217) 555-0134", "217.555.0134", "+1 217 555 0134",
                                   "12175550134"])
def test_a_phone_number_typed_any_way_finds_the_account(care, typed):
    ada = make_customer()
    make_customer(name="Bea Other", email="bea@example.com", day_phone="(217) 555-0188")
    status, html = found(care, typed)
    assert status == 200
    assert f'href="/care/customers/{ada.id}"' in html and "Bea Other" not in html
    assert "+1 217-555-0134" in html  # shown formatted for reading


def test_a_name_or_part_of_an_email_finds_the_account_whatever_the_case(care):
    ada = make_customer()
    make_customer(name="Bea Other", email="bea@example.com", day_phone="(217) 555-0188")
    for term in ("ada sh", "SHOPPER", "ADA@example", "ada@example.com"):
        status, html = found(care, term)
        assert status == 200 and f"/care/customers/{ada.id}" in html, term
        assert "Bea Other" not in html, term
    assert "No customer account matches." in found(care, "Zelda")[1]


def test_an_order_number_finds_the_order_typed_loosely(care):
    ada = make_customer()
    place("K7QM-3XPD", ada, email=ada.email)
    place("GSTW-2345")
    for term in ("K7QM-3XPD", "k7qm3xpd", " k7qm 3xpd "):
        status, html = found(care, term)
        assert status == 200 and 'href="/care/orders/K7QM-3XPD"' in html, term
        assert "/care/orders/GSTW-2345" not in html
        assert f'href="/care/customers/{ada.id}">Ada Shopper' in html


def test_a_guest_order_is_found_by_its_phone_number_and_its_email(care):
    place("GSTW-2345", email="Gus@Example.com", phone="+12175550199")
    ada = make_customer()
    place("K7QM-3XPD", ada, email=ada.email, phone="+12175550199")  # an account's order
    for term in ("(217) 555-0199", "gus@example.com"):
        status, html = found(care, term)
        assert status == 200 and 'href="/care/orders/GSTW-2345"' in html, term
        assert "guest (no account)" in html
        assert "/care/orders/K7QM-3XPD" not in html  # found through its account instead
    assert f"/care/customers/{ada.id}" in found(care, "(217) 555-0199")[1]


def test_deleted_accounts_are_neither_found_nor_shown(app, care):
    ada = make_customer()
    erase_account(Customer.get_by_id(ada.id), utcnow(), app.config["SECRET_KEY"])
    for term in ("Deleted customer", f"deleted-{ada.id}", "Ada", "(217) 555-0134"):
        status, html = found(care, term)
        assert status == 200 and f"/care/customers/{ada.id}" not in html, term
    assert care.get(f"/care/customers/{ada.id}").status_code == 404


def test_the_results_are_limited_and_say_so(care, monkeypatch):
    from storefront.care import finder
    monkeypatch.setattr(finder, "SEARCH_LIMIT", 2)
    for n in range(3):
        make_customer(email=f"ada{n}@example.com", day_phone=f"(217) 555-01{n}0")
    html = found(care, "ada")[1]
    assert html.count('href="/care/customers/') == 2
    assert "Only the first 2 customers and 2 orders are shown" in html


@pytest.mark.parametrize("term, message", [
    ("", "Enter a name, an email address, a phone number or an order number."),
    ("a", "Enter between 2 and 254 characters."),
    ("a" * 255, "Enter between 2 and 254 characters."),
    ("ada\x07", "Use letters, digits and punctuation only."),
])
def test_bad_input_is_a_400_with_the_message_next_to_the_field(care, term, message):
    make_customer()
    status, html = found(care, term)
    assert status == 400
    assert re.search(r'<p class="error" id="q-error">' + re.escape(message), html)
    assert AuditEvent.select().count() == 0
    assert care.get("/care/").status_code == 200  # the empty page is no error


def test_a_search_is_audited_naming_whom_it_showed_and_never_the_term(care):
    ada = make_customer()
    found(care, "(217) 555-0134")
    [event] = AuditEvent.select()
    assert (event.staff_id, event.customer_id, event.email_key, event.action) == (
        care.staff.id, ada.id, "ada@example.com", "viewed")
    assert event.what == "customer search results (1 person)"
    found(care, "Nobody Here")  # nothing shown: nobody to record
    assert AuditEvent.select().count() == 1


def test_a_search_showing_several_people_names_each_of_them(care):
    annas = [make_customer(name=f"Anna {n}", email=f"anna{n}@example.com",
                           day_phone=f"(217) 555-011{n}") for n in range(3)]
    place("GSTW-2345", email="hannah@example.com")  # a guest order, found by its address
    status, html = found(care, "an")
    assert status == 200 and html.count('href="/care/customers/') == 3
    status, html = found(care, "hannah@example.com")
    assert status == 200 and 'href="/care/orders/GSTW-2345"' in html
    events = list(AuditEvent.select().order_by(AuditEvent.id))
    assert len(events) == 4 and {(e.customer_id, e.email_key, e.what) for e in events} == {
        *[(anna.id, anna.email, "customer search results (3 people)") for anna in annas],
        (None, "hannah@example.com", "customer search results (1 person)")}
    assert {(e.staff_id, e.action) for e in events} == {(care.staff.id, "viewed")}
    # "Who looked at Anna 1?" has an answer, and no event holds a term typed.
    assert AuditEvent.select().where(AuditEvent.customer_id == annas[1].id).count() == 1
    assert not any(e.what.startswith("an ") or "hannah" in e.what for e in events)


def test_the_term_is_posted_never_in_the_address(care):
    make_customer()
    page = care.get("/care/", query_string={"q": "Ada"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Ada Shopper" not in html  # a GET searches nothing
    assert re.search(r'<form method="post" action="/care/"', html)
    assert 'name="csrf_token"' in html and 'value="Ada"' not in html
    forged = care.post("/care/", data={"q": "Ada"})  # no CSRF token
    assert forged.status_code == 400 and "Ada Shopper" not in forged.get_data(as_text=True)
    assert AuditEvent.select().count() == 0
    status, html = found(care, "Ada")
    assert status == 200 and "Ada Shopper" in html and 'value="Ada"' in html


@pytest.mark.usefixtures("processor")
def test_the_customer_page_shows_what_care_needs_and_the_card_only_masked(app, db, care):
    ada = make_customer(evening_phone="(217) 555-0177")
    shopper = app.test_client()
    sign_in(shopper)
    add_to_cart(shopper, make_product(name="Brass Lamp", stock=5))
    assert checkout(shopper, details={"email": None}, save="y").status_code == 302
    order = Order.get()
    consent.record(consent.SHOP_MARKETING, True, "registration", customer_id=ada.id,
                   address=ada.email)
    Correspondence.create(source="email", sender_email="ADA@example.com", subject="My lamp",
                          body="Where is it?")
    html = care.get(f"/care/customers/{ada.id}").get_data(as_text=True)
    for expected in ("Ada Shopper", "ada@example.com", "+1 217-555-0134", "+1 217-555-0177",
                     "1 Main Street", f'href="/care/orders/{order.number}"',
                     "1 × Brass Lamp", "Being prepared",
                     f"Visa 4••• •••• •••• 1111, expires {CARD_EXPIRY}",
                     f'href="/care/phone-orders/new?customer={ada.id}"',
                     "The shop&#39;s offers and news", "Registration form", "My lamp"):
        assert expected in html, expected
    assert re.search(r"<td>web</td>", html)
    order_html = care.get(f"/care/orders/{order.number}").get_data(as_text=True)
    assert "Card: Visa 4••• •••• •••• 1111" in order_html and "authorized" in order_html
    for page in (html, order_html):
        assert not any(form in page for form in FULL_CARD_FORMS)
    assert 'name="cvv"' not in html


def test_the_mail_sent_to_the_customer_and_about_an_order_is_listed(care):
    ada = make_customer()
    order = place("K7QM-3XPD", ada, email=ada.email)
    by_account = make_message(customer_id=ada.id, recipient="old@example.com",
                              subject="Your gift card", category="gift_card")
    by_address = make_message(recipient=ada.email, subject="You will get no more of this mail",
                              category="consent_notice", status="sent", sent_at=utcnow())
    about_order = make_message(customer_id=ada.id, recipient=ada.email,
                               order_number=order.number, subject="Order K7QM-3XPD has shipped")
    make_message(recipient="bea@example.com", subject="Someone else's mail")
    html = care.get(f"/care/customers/{ada.id}").get_data(as_text=True)
    for row in (by_account, by_address, about_order):
        assert f'href="/staff/mail/{row.id}">{row.subject}' in html
    assert "gift card" in html and "consent notice" in html and "sent, " in html
    assert "Someone else" not in html
    order_html = care.get(f"/care/orders/{order.number}").get_data(as_text=True)
    assert "has shipped" in order_html and "Your gift card" not in order_html


@pytest.mark.parametrize("stored, other", [("ada@example.com", "ADA@example.com"),
                                            ("Ädä@example.com", "ÄDÄ@example.com")])
def test_mail_and_messages_to_any_spelling_of_the_address_are_the_customers(
        care, stored, other):
    ada = make_customer(email=stored)
    lower = stored.lower()
    for n, spelling in enumerate((stored, other, lower)):
        Correspondence.create(source="email", sender_email=spelling, subject=f"Letter {n}",
                              body="Hello")
        make_message(recipient=spelling, subject=f"Mail {n}")
    Correspondence.create(source="email", sender_email=f"x{lower}", subject="Letter x",
                          body="Hello")
    make_message(recipient=lower.replace(".com", ".org"), subject="Mail x")
    html = care.get(f"/care/customers/{ada.id}").get_data(as_text=True)
    for n in range(3):
        assert f"Letter {n}" in html and f"Mail {n}" in html, (n, stored)
    assert "Letter x" not in html and "Mail x" not in html


def test_fulfilment_reads_an_orders_mail_without_links_and_no_call_notes_are_read(
        app, care, monkeypatch):
    ada = make_customer()
    order = place("K7QM-3XPD", ada, email=ada.email)
    mail = make_message(customer_id=ada.id, recipient=ada.email, order_number=order.number,
                        subject="Order K7QM-3XPD has shipped")
    packer = app.test_client()
    staff_sign_in(packer, make_staff("fulfilment").email)
    from storefront.care import finder

    def refused(found):
        raise AssertionError("call notes read for fulfilment")

    monkeypatch.setattr(finder.notes, "of_order", refused)
    html = packer.get(f"/care/orders/{order.number}").get_data(as_text=True)
    assert "Order K7QM-3XPD has shipped" in html and "/staff/mail/" not in html
    monkeypatch.undo()
    html = care.get(f"/care/orders/{order.number}").get_data(as_text=True)
    assert f'href="/staff/mail/{mail.id}">Order K7QM-3XPD has shipped' in html


def test_each_view_is_one_audit_event_naming_the_staff_member_and_the_customer(care):
    ada = make_customer()
    order = place("K7QM-3XPD", ada, email=ada.email)
    care.get(f"/care/customers/{ada.id}")
    care.get(f"/care/orders/{order.number}")
    events = list(AuditEvent.select().order_by(AuditEvent.id))
    assert [(e.staff_id, e.customer_id, e.email_key, e.what) for e in events] == [
        (care.staff.id, ada.id, "ada@example.com", "customer page"),
        (care.staff.id, ada.id, "ada@example.com", "order K7QM-3XPD")]


def test_the_order_page_shows_contact_lines_totals_discount_and_channel(care):
    guest = place("GSTW-2345", email="gus@example.com", phone="+12175550199", promo_code="LAMPS",
                  channel="phone", taken_by=care.staff)
    guest.discount_cents = 250
    guest.save()
    Shipment.create(order=guest, status="shipped", carrier="sandbox", tracking_number="TRK42",
                    parcels=1, weight_grams=500)
    html = care.get("/care/orders/gstw2345").get_data(as_text=True)
    for expected in ("Order GSTW-2345", "a guest: no account", "gus@example.com",
                     "+1 217-555-0199", "1 Main Street", "Being prepared",
                     "Promotion code LAMPS", "−$2.50", "$5.95",
                     "phone, taken by Cara Care", "No card paid for this order.",
                     "shipped, sandbox, tracking", "trknbr=TRK42"):
        assert expected in html, expected


def test_the_order_of_a_deleted_account_shows_what_is_left_and_no_link(app, care):
    ada = make_customer()
    order = place("K7QM-3XPD", ada, email=ada.email)
    Order.update(settled_at=utcnow()).where(Order.id == order.id).execute()  # delivered, paid
    erase_account(Customer.get_by_id(ada.id), utcnow(), app.config["SECRET_KEY"])
    html = care.get("/care/orders/K7QM-3XPD").get_data(as_text=True)
    assert "an account since deleted" in html and f"/care/customers/{ada.id}" not in html
    assert f"deleted-{ada.id}@invalid" in html


def test_a_phone_order_on_the_customer_page_says_who_took_it(care):
    ada = make_customer()
    place("K7QM-3XPD", ada, email=ada.email, channel="phone", taken_by=care.staff)
    html = care.get(f"/care/customers/{ada.id}").get_data(as_text=True)
    assert "phone, taken by Cara Care" in html


def test_garbage_in_the_urls_is_not_found(care):
    make_customer()
    for url in ("/care/customers/12345", "/care/customers/abc",
                "/care/customers/99999999999999999999", "/care/customers/-1",
                "/care/orders/NOPE", "/care/orders/K7QM-3XPD", "/care/orders/" + "A" * 5000):
        assert care.get(url).status_code == 404, url
    assert care.get("/care/orders/%00").status_code == 400  # the app refuses NUL anywhere
    assert found(care, "ada\x00")[0] == 400
    token_page = "/care/"
    assert post_form(care, "/care/customers/12345/notes", {"body": "x"},
                     token_page=token_page).status_code == 404
    assert post_form(care, "/care/orders/NOPE/notes", {"body": "x"},
                     token_page=token_page).status_code == 404
    assert post_form(care, "/care/customers/12345/consent/withdraw", {"purpose": "all"},
                     token_page=token_page).status_code == 404


def _routes(customer_id, number):
    return [("GET", "/care/"), ("POST", "/care/"), ("GET", f"/care/customers/{customer_id}"),
            ("POST", f"/care/customers/{customer_id}/notes"),
            ("POST", f"/care/customers/{customer_id}/consent/withdraw"),
            ("GET", f"/care/orders/{number}"), ("POST", f"/care/orders/{number}/notes")]


@pytest.mark.parametrize("role", ["fulfilment", "marketing", "legal", "customer", "anonymous"])
def test_everyone_but_care_and_admin_is_refused(app, db, role):
    ada = make_customer()
    order = place("K7QM-3XPD", ada, email=ada.email)
    consent.record(consent.SHOP_MARKETING, True, "registration", customer_id=ada.id,
                   address=ada.email)
    client = app.test_client()
    if role == "customer":
        sign_in(client)
    elif role != "anonymous":
        staff_sign_in(client, make_staff(role).email)
    app.config["WTF_CSRF_ENABLED"] = False  # refused by role, not for a missing token
    try:
        for method, url in _routes(ada.id, order.number):
            if role == "fulfilment" and method == "GET" and url.startswith("/care/orders/"):
                continue  # fulfilment may read an order's page (tests/care/test_order_list.py)
            response = client.open(url, method=method,
                                   data={"body": "a note", "purpose": "all", "q": "Ada"})
            if role == "anonymous":
                assert response.status_code == 302 and "/staff/login" in response.location
            else:
                assert response.status_code == 403, (role, method, url)
            assert "555-0134" not in response.get_data(as_text=True)
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert AuditEvent.select().count() == 0
    assert consent.allows(consent.SHOP_MARKETING, ada.id, ada.email)


def test_admins_use_the_console_and_the_staff_home_links_to_it(client, db):
    ada = make_customer()
    staff_sign_in(client, make_staff("admin").email)
    assert 'href="/care/">Customers: find a customer, phone orders' in \
        client.get("/staff/").get_data(as_text=True)
    assert "Ada Shopper" in client.get(f"/care/customers/{ada.id}").get_data(as_text=True)
