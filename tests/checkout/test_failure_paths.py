"""Every way placing can fail after the card is authorized ends with the authorization voided."""
import json
import re
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from peewee import OperationalError

from storefront.catalogue.models import Availability, Product
from storefront.checkout import placing
from storefront.orders import service as orders_service
from storefront.orders.models import Order
from storefront.payments import service as payments
from storefront.payments.gateway import PaymentError
from storefront.payments.models import SavedCard

from tests.factories import (add_to_cart, checkout, choose_payment, fill_details, make_customer,
                             make_product, place_order, sign_in)

pytestmark = pytest.mark.usefixtures("processor")


def processor_status(processor, number):
    with sqlite3.connect(processor.keys_dir / "processor.db") as ledger:
        row = ledger.execute("SELECT status FROM authorizations WHERE order_reference = ?",
                             (number,)).fetchone()
    return row[0] if row else None


def reviewed_number(client):
    html = client.get("/checkout/review").get_data(as_text=True)
    return re.search(r'name="number"[^>]*value="([^"]*)"', html).group(1)


def test_a_database_failure_while_recording_voids_the_authorization(
        client, db, processor, monkeypatch):
    add_to_cart(client, make_product(name="Brass Lamp"))
    fill_details(client)
    choose_payment(client)
    number = reviewed_number(client)

    def broken(*args, **kwargs):
        raise OperationalError("database is locked")
    monkeypatch.setattr(orders_service, "record_order", broken)
    response = place_order(client)
    assert response.status_code == 400
    assert "could not record your order" in response.get_data(as_text=True)
    assert processor_status(processor, number) == "voided"
    assert Order.select().count() == 0


def test_a_product_hidden_after_the_review_is_refused_before_the_processor(
        client, db, processor):
    lamp = make_product(name="Brass Lamp")
    add_to_cart(client, lamp)
    fill_details(client)
    choose_payment(client)
    number = reviewed_number(client)
    Product.update(is_hidden=True).where(Product.id == lamp.id).execute()
    response = place_order(client)
    assert response.status_code == 400 and "can no longer be ordered" in \
        response.get_data(as_text=True)
    assert processor_status(processor, number) is None  # never asked


def test_a_hidden_on_reserve_product_is_not_ordered(client, db, processor, monkeypatch):
    pendant = make_product(name="Copper Pendant", availability=Availability.ON_RESERVE, stock=0)
    add_to_cart(client, pendant)
    fill_details(client)
    choose_payment(client)
    number = reviewed_number(client)
    # Hidden between the last check and the order's transaction:
    monkeypatch.setattr(placing, "precheck_stock", lambda summary: None)
    Product.update(is_hidden=True).where(Product.id == pendant.id).execute()
    assert place_order(client).status_code == 400
    assert Order.select().count() == 0 and processor_status(processor, number) == "voided"


def test_a_saved_card_removed_in_another_tab_is_a_clear_error(client, db):
    make_customer()
    sign_in(client)
    lamp = make_product(name="Brass Lamp")
    add_to_cart(client, lamp)
    checkout(client, details={"email": None}, save="y")
    card = SavedCard.get()
    add_to_cart(client, lamp)
    fill_details(client, email=None)
    SavedCard.delete().execute()  # removed on the saved cards page, in another tab
    response = choose_payment(client, number=None, expiry=None, holder=None,
                              pay_with=f"saved-{card.id}")
    assert response.status_code == 400
    for tampered in ("12", "saved-x", "saved-99999999999"):
        assert choose_payment(client, pay_with=tampered).status_code == 400


def test_a_card_number_typed_as_the_name_is_refused_and_never_kept(client, db):
    make_customer()
    sign_in(client)
    add_to_cart(client, make_product(name="Brass Lamp"))
    fill_details(client, email=None)
    for holder in ("4111 1111 1111 1111", "Gus 4111 1111 1111 1111"):
        page = choose_payment(client, holder=holder, save="y").get_data(as_text=True)
        assert "not its number" in page and "4111 1111" not in page
    with client.session_transaction() as session:
        assert "4111" not in json.dumps(session.get("checkout"))
    assert SavedCard.select().count() == 0


def test_a_guests_browser_sees_its_order_for_an_hour_only(client, db):
    add_to_cart(client, make_product(name="Brass Lamp"))
    with time_machine.travel("2026-11-25 10:00:00", tick=False):
        number = checkout(client).headers["Location"].rsplit("/", 1)[1]
        assert client.get(f"/checkout/done/{number}").status_code == 200
    with time_machine.travel("2026-11-25 11:01:00", tick=False):
        assert client.get(f"/checkout/done/{number}").status_code == 404


class _Voidless:
    """A processor whose voids all fail (a unit test of release alone)."""

    def void(self, authorization_id):
        raise PaymentError("down")

    def void_reference(self, reference):
        return False


def test_release_says_when_the_void_failed(caplog):
    assert payments.release(_Voidless(), "auth_1", "ABCD-EFGH") is False
    assert "could not be voided" in caplog.text


class _Recorder(BaseHTTPRequestHandler):
    """Answers like the processor and keeps every body it received."""

    bodies = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.bodies.append(body)
        answer = json.dumps({"id": "auth_rec", "status": "authorized", "brand": "visa",
                             "amount_cents": body["amount_cents"], "last_four": "1111"})
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(answer.encode())

    def log_message(self, *args):
        pass


def test_what_actually_leaves_for_the_processor_is_exactly_the_promised_fields(app, client, db):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    real_url = app.config["PROCESSOR_URL"]
    app.config["PROCESSOR_URL"] = f"http://127.0.0.1:{server.server_port}"
    try:
        add_to_cart(client, make_product(name="Brass Lamp", price_cents=2000))
        assert checkout(client).status_code == 302
    finally:
        app.config["PROCESSOR_URL"] = real_url
        server.shutdown()
        server.server_close()
    body = _Recorder.bodies[-1]
    assert set(body) == {"sealed_number", "exp_month", "exp_year", "amount_cents", "currency",
                         "order_reference", "billing_postal_code", "cvv"}
    assert (body["amount_cents"], body["currency"], body["billing_postal_code"], body["cvv"]) \
        == (2595, "USD", "62702", "123")
    assert body["order_reference"] == Order.get().number
    assert "4111" not in json.dumps(body)

