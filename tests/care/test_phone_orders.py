"""Phone orders (P21): a care associate takes an order for a customer (their saved card) or a
new caller (a card read out, sealed at once); the order names the associate and keeps no IP;
the customer's own cart is left alone; the card shows as first digit and last four only."""
import json
import logging
import re
import sqlite3

import pytest

from storefront.accounts.models import Customer
from storefront.cart.models import Cart, CartLine
from storefront.catalogue.models import Availability
from storefront.db import database, utcnow
from storefront.mail.models import OutboxMessage
from storefront.orders.models import Order
from storefront.partners.models import Partner
from storefront.payments.models import SavedCard
from storefront.privacy.models import AuditEvent
from storefront.rights.erasure import erase_account
from tests.checkout.card_numbers import database_text, forms_of, visa_number
from tests.factories import (CARD_EXPIRY, DECLINED_CARD, add_to_cart, checkout, csrf_token,
                             make_customer, make_product, make_staff, post_form, sign_in,
                             staff_sign_in)

BASE = "/care/phone-orders"
CALLER = {
    "email": "caller@example.com", "phone": "(217) 555-0177", "shipping-name": "Cal Caller",
    "shipping-line1": "9 Oak Street", "shipping-city": "Springfield", "shipping-region": "IL",
    "shipping-postal_code": "62704", "shipping-country": "US", "same_as_shipping": "y",
    "billing-country": "US", "method": "express",
}


def start(client, customer=None):
    path = f"{BASE}/new" + (f"?customer={customer.id}" if customer else "")
    response = post_form(client, path, {})
    assert response.status_code == 302 and response.location == f"{BASE}/items", response
    return response


def add(client, product, quantity=1):
    """Add as from the search results for the product's SKU (the form keeps the search)."""
    return post_form(client, f"{BASE}/items/add?q={product.sku}",
                     {"product_id": product.id, "quantity": quantity},
                     token_page=f"{BASE}/items")


def fill_details(client, **overrides):
    data = {k: v for k, v in {**CALLER, **overrides}.items() if v is not None}
    return post_form(client, f"{BASE}/details", data)


def pay(client, **data):
    return post_form(client, f"{BASE}/payment", data)


def pay_by_card(client, number, expiry=CARD_EXPIRY, holder="Cal Caller", **extra):
    return pay(client, pay_with="new", number=number, expiry=expiry, holder_name=holder, **extra)


def hidden(html, name):
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or \
        re.search(rf'value="([^"]*)"[^>]*name="{name}"', html)
    assert match, html
    return match.group(1)


def place(client, cvv=None):
    """Post the review page's form as shown; (response, the review page, what was posted)."""
    page = client.get(f"{BASE}/review").get_data(as_text=True)
    data = {"reviewed": hidden(page, "reviewed"), "number": hidden(page, "number"),
            "csrf_token": csrf_token(client, f"{BASE}/review")}
    if cvv is not None:
        data["cvv"] = cvv
    return client.post(f"{BASE}/place", data=data), page, data


def ledger(processor, number):
    """(amount, status) of the order's authorization at the sandbox processor, or None."""
    with sqlite3.connect(processor.keys_dir / "processor.db") as db:
        return db.execute("SELECT amount_cents, status FROM authorizations "
                          "WHERE order_reference = ?", (number,)).fetchone()


def test_a_customer_orders_by_phone_with_their_saved_card(app, care, processor):
    ada = make_customer()
    partner = Partner.create(slug="p", name="P", privacy_url="https://p.example.com")
    Customer.update(partner=partner).where(Customer.id == ada.id).execute()
    lamp, vase = make_product(name="Brass Lamp"), make_product(name="Blue Vase", stock=7)
    web = app.test_client()
    sign_in(web)
    add_to_cart(web, lamp)
    assert checkout(web, details={"email": None}, save="y").status_code == 302
    add_to_cart(web, lamp)  # left in the customer's own cart
    saved = SavedCard.get()

    page = care.get(f"{BASE}/new?customer={ada.id}").get_data(as_text=True)
    assert "Ada Shopper" in page and "ada@example.com" in page and "+1 217-555-0134" in page
    expiry = f"{saved.exp_month:02d}/{saved.exp_year % 100:02d}"
    assert f"Visa 4••• •••• •••• 1111, expires {expiry}" in page
    seen = AuditEvent.get(AuditEvent.customer_id == ada.id)
    assert (seen.staff_id, seen.action) == (care.staff.id, AuditEvent.VIEWED)

    start(care, ada)
    found = care.get(f"{BASE}/items?q=vase").get_data(as_text=True)
    assert "Blue Vase" in found and "7 in stock" in found and "Brass Lamp" not in found
    assert add(care, vase, 2).status_code == 302
    details = care.get(f"{BASE}/details").get_data(as_text=True)
    assert 'value="+1 217-555-0134"' in details and 'value="1 Main Street"' in details
    assert 'name="email"' not in details  # the account's address is the order's
    assert fill_details(care, email=None).status_code == 302
    assert pay(care, pay_with=f"saved-{saved.id}").status_code == 302
    response, review, _ = place(care)
    assert "Security code" not in review  # a saved card needs none

    order = Order.get(Order.channel == "phone")
    assert response.status_code == 302
    assert response.location == f"/care/orders/{order.number}"
    assert (order.customer_id, order.email, order.taken_by_id, order.ip) == \
        (ada.id, "ada@example.com", care.staff.id, "")
    assert (order.card_first_digit, order.card_last_four) == ("4", "1111")
    assert order.partner_id == partner.id  # it counts for the customer's co-brand
    assert [(line.name, line.quantity) for line in order.lines] == [("Blue Vase", 2)]
    assert ledger(processor, order.number) == (order.card_cents, "authorized")
    own = Cart.get(Cart.customer == ada)
    assert [(line.product_id, line.quantity) for line in own.lines] == [(lamp.id, 1)]
    assert CartLine.select().where(CartLine.cart != own).count() == 0  # the phone cart: empty


def test_a_new_callers_card_is_sealed_at_once_and_shown_nowhere_after(
        app, care, processor, caplog, database_url):
    caplog.set_level(logging.DEBUG)
    digits = visa_number()
    page = care.get(f"{BASE}/new").get_data(as_text=True)
    assert "no account is opened" in page
    start(care)
    add(care, make_product(name="Brass Lamp"))
    assert fill_details(care).status_code == 302
    pages = [care.get(f"{BASE}/payment").get_data(as_text=True)]
    assert "customer's account" not in pages[0]  # nothing to save a card to
    mistyped = pay_by_card(care, digits, expiry="13/99", holder=digits)
    assert mistyped.status_code == 400
    pages.append(mistyped.get_data(as_text=True))
    assert pay_by_card(care, digits).status_code == 302
    response, review, _ = place(care, cvv="123")
    assert response.status_code == 302
    masked = f"Visa 4••• •••• •••• {digits[-4:]}"
    assert masked in review
    pages += [review, care.get(response.location).get_data(as_text=True),
              care.get(f"{BASE}/items").get_data(as_text=True)]
    assert masked in pages[-2]  # the order page

    order = Order.get()
    assert (order.customer_id, order.email, order.phone, order.channel, order.taken_by_id,
            order.ip) == (None, "caller@example.com", "+12175550177", "phone", care.staff.id, "")
    assert order.address("billing").name == "Cal Caller" and order.shipping_method == "express"
    assert Customer.select().count() == 0 and SavedCard.select().count() == 0
    assert ledger(processor, order.number)[1] == "authorized"
    raw = care.get_cookie("sf_session").value
    cookie = json.dumps(app.session_interface.get_signing_serializer(app).loads(raw))
    if database.is_closed():
        database.connect()
    places = {"database": database_text(database_url), "logs": caplog.text + processor.output(),
              "pages": "\n".join(pages), "session": raw + cookie}
    for place_name, text in places.items():
        for form in forms_of(digits):
            assert form not in text, f"the card number ({form}) was found in the {place_name}"


def test_mistakes_show_next_to_their_fields_and_nothing_typed_is_lost(care, db):
    lamp = make_product(name="Brass Lamp", stock=3)
    make_product(name="Old Lamp", availability=Availability.DISCONTINUED)
    start(care)
    too_many = add(care, lamp, 4)
    html = too_many.get_data(as_text=True)
    assert too_many.status_code == 400
    assert re.search(r'aria-invalid="true" aria-describedby="add-qty-\d+-error"', html)
    assert "Only 3 of Brass Lamp left in stock." in html
    assert CartLine.select().count() == 0
    assert "Cannot be ordered" in care.get(f"{BASE}/items?q=lamp").get_data(as_text=True)
    add(care, lamp, 2)
    changed = post_form(care, f"{BASE}/items/update", {"product_id": lamp.id, "quantity": 5},
                        token_page=f"{BASE}/items")
    assert changed.status_code == 400 and "Only 3 of Brass Lamp left" in \
        changed.get_data(as_text=True)
    assert CartLine.get().quantity == 2

    for wrong, fields in (({"shipping-city": "", "method": None}, ("shipping-city", "method")),
                          ({"email": "not an email", "phone": "12",
                            "shipping-postal_code": "ABCDE"},
                           ("email", "phone", "shipping-postal_code"))):
        response = fill_details(care, **wrong)
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        for field in fields:
            assert 'aria-invalid="true"' in html and f'id="{field}-error"' in html, field
        assert 'value="Cal Caller"' in html and 'value="9 Oak Street"' in html
        assert care.get(f"{BASE}/payment").location == f"{BASE}/details"  # nothing taken
    assert fill_details(care).status_code == 302

    for wrong, field in (({"promo_code": "NOSUCH9"}, "promo_code"), ({"expiry": "1/2"}, "expiry"),
                         ({"number": "4111 1111 1111 1112"}, "number")):
        response = pay_by_card(care, **{"number": "4111 1111 1111 1111", **wrong})
        html = response.get_data(as_text=True)
        assert response.status_code == 400 and f'id="{field}-error"' in html, field
        assert 'value="Cal Caller"' in html and "4111" not in html.replace("4•••", "")
    assert 'value="NOSUCH9"' in pay_by_card(care, "4111 1111 1111 1111", promo_code="NOSUCH9") \
        .get_data(as_text=True)
    pasted = pay_by_card(care, "4111 1111 1111 1111", holder="4111 1111 1111 1111",
                         expiry="1/2").get_data(as_text=True)
    assert 'id="holder_name-error"' in pasted and "4111" not in pasted
    assert "No card chosen" in care.get(f"{BASE}/review").get_data(as_text=True)


def test_a_declined_card_places_nothing_and_another_card_can_be_tried(care, processor):
    start(care)
    add(care, make_product(name="Brass Lamp"))
    fill_details(care)
    pay_by_card(care, DECLINED_CARD)
    response, _, _ = place(care, cvv="123")
    html = response.get_data(as_text=True)
    assert response.status_code == 402 and "declined" in html
    assert 'name="cvv"' in html and Order.select().count() == 0
    pay_by_card(care, "4111 1111 1111 1111")
    response, _, sent = place(care, cvv="123")
    assert response.status_code == 302 and Order.select().count() == 1
    again = care.post(f"{BASE}/place", data=sent)  # sent twice: the one order, charged once
    assert again.location == response.location and Order.select().count() == 1


def test_an_item_on_reserve_is_told_to_the_customer_as_for_a_web_order(care, processor):
    start(care)
    add(care, make_product(name="Brass Lamp", availability=Availability.ON_RESERVE, stock=0))
    fill_details(care)
    pay_by_card(care, "4111 1111 1111 1111")
    assert place(care, cvv="123")[0].status_code == 302
    assert [(m.recipient, m.category) for m in OutboxMessage.select()] == \
        [("caller@example.com", "line_status")]


def _phone_carts():
    return [cart.visitor for cart in Cart.select().order_by(Cart.id)]


def test_starting_again_drops_this_orders_cart_only(app, care, db):
    lamp = make_product(name="Brass Lamp")
    admin = make_staff("admin")
    other = app.test_client()
    staff_sign_in(other, admin.email)
    for client in (care, other):
        start(client)
        add(client, lamp)
    start(care)
    assert "Nothing yet" in care.get(f"{BASE}/items").get_data(as_text=True)
    others = _phone_carts()
    assert len(others) == 1 and others[0].startswith(f"phone:{admin.id}:")  # care's: deleted
    assert "Brass Lamp" in other.get(f"{BASE}/items").get_data(as_text=True)
    removed = post_form(other, f"{BASE}/items/update", {"product_id": lamp.id, "quantity": 0},
                        token_page=f"{BASE}/items")  # the "Remove" button
    assert removed.status_code == 302 and CartLine.select().count() == 0


def test_two_browsers_of_one_associate_take_two_orders_apart(app, db, processor):
    associate = make_staff("care")
    one, two = app.test_client(), app.test_client()
    for browser in (one, two):
        staff_sign_in(browser, associate.email)
    ada, bea = make_customer(), make_customer(name="Bea Other", email="bea@example.com")
    lamp, vase = make_product(name="Brass Lamp"), make_product(name="Blue Vase")
    start(one, ada)
    add(one, lamp)
    assert fill_details(one, email=None).status_code == 302
    start(two, bea)  # the same associate in another browser: a cart of its own
    add(two, vase, 3)
    page = one.get(f"{BASE}/items").get_data(as_text=True)
    assert "Order for Ada Shopper" in page and "Brass Lamp" in page and "Blue Vase" not in page
    ones, twos = _phone_carts()
    assert ones != twos and all(key.startswith(f"phone:{associate.id}:") for key in (ones, twos))

    assert pay_by_card(one, "4111 1111 1111 1111").status_code == 302
    assert place(one, cvv="123")[0].status_code == 302
    order = Order.get()
    assert order.customer_id == ada.id
    assert [(line.name, line.quantity) for line in order.lines] == [("Brass Lamp", 1)]
    assert _phone_carts() == [twos]  # the placed order's cart is gone, the other one stays
    page = two.get(f"{BASE}/items").get_data(as_text=True)
    assert "Order for Bea Other" in page and "Blue Vase" in page and "Brass Lamp" not in page
    assert CartLine.get().quantity == 3


def test_a_card_number_typed_in_another_payment_field_is_refused_and_never_written_back(
        care, db):
    start(care)
    add(care, make_product(name="Brass Lamp"))
    fill_details(care)
    typed = "4111 1111 1111 1111"
    for wrong, field in (({"promo_code": typed}, "promo_code"),
                         ({"promo_code": "4111-1111-1111-1111"}, "promo_code"),
                         ({"promo_code": "411111111111"}, "promo_code"),
                         ({"expiry": "4111111111111111"}, "expiry"),
                         ({"holder": typed}, "holder_name")):
        response = pay_by_card(care, **{"number": typed, **wrong})
        html = response.get_data(as_text=True)
        assert response.status_code == 400 and f'id="{field}-error"' in html, wrong
        assert "4111" not in html.replace("4•••", "") and "1111-1111" not in html, wrong
    html = pay_by_card(care, typed, promo_code=typed).get_data(as_text=True)
    assert "card number" in html[html.index('id="promo_code-error"'):][:200]
    with care.session_transaction() as session:
        assert "4111" not in json.dumps(session.get("phone_order"))


def _urls():
    return [("GET", f"{BASE}/new"), ("POST", f"{BASE}/new"), ("GET", f"{BASE}/items"),
            ("POST", f"{BASE}/items/add"), ("POST", f"{BASE}/items/update"),
            ("GET", f"{BASE}/details"),
            ("POST", f"{BASE}/details"), ("GET", f"{BASE}/payment"),
            ("POST", f"{BASE}/payment"), ("GET", f"{BASE}/review"), ("POST", f"{BASE}/place")]


def test_fulfilment_staff_customers_and_visitors_are_refused(app, db):
    ada = make_customer()
    lamp = make_product()
    fulfilment, customer, anonymous = app.test_client(), app.test_client(), app.test_client()
    staff_sign_in(fulfilment, make_staff("fulfilment").email)
    make_customer(name="Bea Other", email="bea@example.com")
    sign_in(customer, "bea@example.com")
    app.config["WTF_CSRF_ENABLED"] = False  # refused by role, not for a missing token
    try:
        for method, url in _urls():
            data = {"product_id": lamp.id, "quantity": 1}
            for client in (fulfilment, customer):
                response = client.open(f"{url}?customer={ada.id}", method=method, data=data)
                assert response.status_code == 403, (method, url)
                assert "ada@example.com" not in response.get_data(as_text=True)
            response = anonymous.open(url, method=method, data=data)
            assert response.status_code == 302 and "/staff/login" in response.location
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert CartLine.select().count() == 0 and AuditEvent.select().count() == 0


@pytest.mark.parametrize("raw, status", [("abc", 400), ("-1", 400), ("1e3", 400),
                                          ("99999999999999999999", 400), ("%00", 400),
                                          ("0", 400), ("123456", 404)])
def test_a_bad_customer_in_the_address_is_refused_cleanly(care, raw, status):
    assert care.get(f"{BASE}/new?customer={raw}").status_code == status
    assert post_form(care, f"{BASE}/new?customer={raw}", {}, token_page=f"{BASE}/new") \
        .status_code == status


def test_an_erased_account_takes_no_phone_order(app, care):
    ada = make_customer()
    erase_account(ada, utcnow(), app.config["SECRET_KEY"])
    assert care.get(f"{BASE}/new?customer={ada.id}").status_code == 404


def test_steps_before_their_turn_send_the_associate_back(care, db):
    assert care.get(f"{BASE}/items").location == f"{BASE}/new"
    start(care)
    assert care.get(f"{BASE}/details").location == f"{BASE}/items"
    assert care.get(f"{BASE}/review").location == f"{BASE}/items"
    response = post_form(care, f"{BASE}/items/add", {"product_id": "x1", "quantity": 1},
                         token_page=f"{BASE}/items")
    assert response.status_code == 400
    assert care.get(f"{BASE}/items?q=" + "x" * 101).status_code == 400
