"""P5, P21: after buying, the full card number is nowhere the shop keeps or shows anything."""
import json
import logging
import re

from storefront import schema
from storefront.db import database
from storefront.mail.models import OutboxMessage

from tests.checkout.card_numbers import database_text, forms_of, visa_number
from tests.factories import (add_to_cart, checkout, choose_payment, fill_details, make_customer,
                             make_product, place_order, sign_in)


def test_the_card_number_appears_in_no_database_cookie_log_page_or_mail(
        app, client, db, processor, caplog, database_url):
    caplog.set_level(logging.DEBUG)
    digits = visa_number()
    make_customer()
    sign_in(client)
    lamp = make_product(name="Brass Lamp", stock=5)
    add_to_cart(client, lamp)
    fill_details(client, email=None)

    pages = []
    # A typing mistake elsewhere on the form: the page shown again must not echo the number.
    pages.append(choose_payment(client, number=digits, expiry="13/99").get_data(as_text=True))
    assert 'aria-invalid="true"' in pages[-1]
    pages.append(choose_payment(client, number=digits, save="y").get_data(as_text=True))
    pages.append(client.get("/checkout/review").get_data(as_text=True))
    placed = client.post("/checkout/place", data={})  # a broken post: the error page
    pages.append(placed.get_data(as_text=True))
    response = place_order(client)
    assert response.status_code == 302
    pages.append(client.get(response.headers["Location"]).get_data(as_text=True))
    pages.append(client.get("/account/orders/").get_data(as_text=True))
    # And once more as a guest paying with a new card, not saving it.
    guest = app.test_client()
    add_to_cart(guest, lamp)
    assert checkout(guest, card=digits).status_code == 302

    session_cookies = []
    for browser in (client, guest):
        raw = browser.get_cookie("sf_session").value
        session_cookies.append(raw)
        serializer = app.session_interface.get_signing_serializer(app)
        session_cookies.append(json.dumps(serializer.loads(raw), default=str))
    if database.is_closed():
        database.connect()
    places = {
        "database": database_text(database_url),
        "session cookie": "\n".join(session_cookies),
        "logs": caplog.text + processor.output(),
        "pages": "\n".join(pages),
        "outbox": "\n".join(m.body_text + m.body_html for m in OutboxMessage.select()),
    }
    for place, text in places.items():
        for form in forms_of(digits):
            assert form not in text, f"the card number ({form}) was found in the {place}"
    assert f"4••• •••• •••• {digits[-4:]}" in pages[-2]  # the masked form is what shows


def test_the_cvv_goes_to_the_processor_once_and_is_kept_nowhere(
        app, client, db, processor, caplog):
    caplog.set_level(logging.DEBUG)
    cvv = "079"  # a leading zero: no id, count, amount or duration is ever written so
    make_customer()
    sign_in(client)
    add_to_cart(client, make_product(name="Brass Lamp", stock=5))
    fill_details(client, email=None)
    choose_payment(client, save="y")
    response = place_order(client, cvv=cvv)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    serializer = app.session_interface.get_signing_serializer(app)
    session = serializer.loads(client.get_cookie("sf_session").value)
    if database.is_closed():
        database.connect()
    values = [value for model in schema.all_models() for row in model.select().dicts()
              for value in row.values()]
    assert cvv not in [str(value) for value in values]  # no column holds it
    assert "cvv" not in json.dumps(session).lower()
    for text in (caplog.text, processor.output(), page):
        assert not re.search(rf"\b{cvv}\b", text)
