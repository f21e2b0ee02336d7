"""The shop's processor client against the real sandbox process: what leaves (P13), answers,
idempotency, capture/void/refund rules, and failures that charge nothing."""
import re
import socket
import threading
import uuid
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from storefront.payments.gateway import (
    Authorization,
    PaymentDeclined,
    PaymentError,
    ProcessorClient,
    ProcessorUnavailable,
    authorization_request,
    client_from_config,
)
from storefront.payments.vault import load_public_key, seal_card
from storefront.processor.issuer import TEST_CARDS

REQUIRED_FIELDS = {"sealed_number", "exp_month", "exp_year", "amount_cents", "currency",
                   "order_reference", "billing_postal_code"}


def reference():
    """A fresh order reference."""
    return f"test-{uuid.uuid4().hex}"


def card_payload(app, number="4111111111111111", amount_cents=2500, cvv="123", **overrides):
    """Seal a card with the key the app is configured with, and build the request."""
    card = seal_card(number, 12, date.today().year + 1,
                     load_public_key(app.config["PROCESSOR_PUBLIC_KEY_FILE"]))
    fields = {"exp_month": card.exp_month, "exp_year": card.exp_year,
              "amount_cents": amount_cents, "order_reference": reference(),
              "billing_postal_code": "10001", "cvv": cvv}
    fields.update(overrides)
    return authorization_request(card.sealed, **fields)


@pytest.fixture
def client(app, processor):
    """A client of the sandbox process, built from the app's config as checkout builds it."""
    return client_from_config(app.config)


def test_the_request_holds_exactly_what_the_processor_needs():
    with_cvv = authorization_request("v1.sealed", 12, 2030, 2500, "SF-1001", "10001", cvv="123")
    assert with_cvv == {"sealed_number": "v1.sealed", "exp_month": 12, "exp_year": 2030,
                        "amount_cents": 2500, "currency": "USD", "order_reference": "SF-1001",
                        "billing_postal_code": "10001", "cvv": "123"}
    saved_card = authorization_request("v1.sealed", 12, 2030, 2500, "SF-1001", "10001")
    assert set(saved_card) == REQUIRED_FIELDS


def test_client_from_config():
    client = client_from_config({"PROCESSOR_URL": "http://pay.example/", "PROCESSOR_TIMEOUT": 2})
    assert (client.base_url, client.timeout) == ("http://pay.example", 2)
    assert client_from_config({"PROCESSOR_URL": "http://pay.example"}).timeout == 5.0


@pytest.mark.parametrize("card", TEST_CARDS, ids=lambda card: card.number)
def test_each_test_card_through_the_client(app, client, card):
    request = card_payload(app, card.number, cvv="1234" if card.brand == "amex" else "123")
    if card.outcome == "approved":
        authorization = client.authorize(request)
        assert isinstance(authorization, Authorization)
        assert (authorization.brand, authorization.last_four, authorization.amount_cents) == \
            (card.brand, card.number[-4:], 2500)
    elif card.outcome == "declined":
        with pytest.raises(PaymentDeclined) as error:
            client.authorize(request)
        assert error.value.code == card.code
        assert "declined" in error.value.customer_message
        assert card.number not in error.value.customer_message
    else:
        with pytest.raises(ProcessorUnavailable) as error:
            client.authorize(request)
        assert "nothing was charged" in error.value.customer_message


@pytest.mark.parametrize(("overrides", "code", "words"), [
    ({"exp_year": 2020}, "expired_card", "expired"),
    ({"cvv": "12"}, "incorrect_cvc", "security code"),
])
def test_decline_messages(app, client, overrides, code, words):
    with pytest.raises(PaymentDeclined) as error:
        client.authorize(card_payload(app, **overrides))
    assert error.value.code == code and words in error.value.customer_message


def test_authorize_is_idempotent_per_order_reference(app, client):
    request = card_payload(app)
    assert client.authorize(request) == client.authorize(request)
    with pytest.raises(PaymentError) as error:
        client.authorize({**request, "amount_cents": 9999})
    assert error.value.code == "order_reference_conflict"
    assert not isinstance(error.value, PaymentDeclined | ProcessorUnavailable)


def test_captures_one_per_shipment_up_to_the_authorized_amount(app, client):
    authorization = client.authorize(card_payload(app, amount_cents=5000))
    with pytest.raises(PaymentError) as error:
        client.capture(authorization.id, 5001)
    assert error.value.code == "amount_too_large"
    state = client.capture(authorization.id, 3000)  # the first parcel
    assert (state.status, state.captured_cents) == ("partially_captured", 3000)
    with pytest.raises(PaymentError) as error:
        client.capture(authorization.id, 2001)
    assert error.value.code == "amount_too_large"
    state = client.capture(authorization.id, 2000)  # the second: nothing left
    assert (state.status, state.captured_cents) == ("captured", 5000)
    with pytest.raises(PaymentError) as error:
        client.capture(authorization.id, 1)
    assert error.value.code == "invalid_state"
    with pytest.raises(PaymentError):
        client.void(authorization.id)


def test_a_void_after_a_partial_capture_releases_the_rest(app, client):
    authorization = client.authorize(card_payload(app, amount_cents=5000))
    client.capture(authorization.id, 3000)
    state = client.void(authorization.id)  # the other line was cancelled
    assert (state.status, state.captured_cents) == ("captured", 3000)
    with pytest.raises(PaymentError):
        client.capture(authorization.id, 100)
    assert client.refund(authorization.id, 3000).status == "refunded"


def test_refunds_up_to_what_was_captured(app, client):
    authorization = client.authorize(card_payload(app, amount_cents=5000))
    with pytest.raises(PaymentError):
        client.refund(authorization.id, 100)  # nothing captured yet
    client.capture(authorization.id, 5000)
    assert client.refund(authorization.id, 2000).status == "partially_refunded"
    with pytest.raises(PaymentError) as error:
        client.refund(authorization.id, 3001)
    assert error.value.code == "amount_too_large"
    state = client.refund(authorization.id, 3000)
    assert (state.status, state.refunded_cents) == ("refunded", 5000)


def test_void_before_capture(app, client):
    authorization = client.authorize(card_payload(app))
    assert client.void(authorization.id).status == "voided"
    assert client.void(authorization.id).status == "voided"  # voiding twice changes nothing
    with pytest.raises(PaymentError):
        client.capture(authorization.id, 100)
    with pytest.raises(PaymentError) as error:
        client.void("auth_does_not_exist")
    assert error.value.code == "not_found"


def test_void_reference_voids_and_bars_a_late_authorization(app, client):
    request = card_payload(app)
    authorization = client.authorize(request)
    assert client.void_reference(request["order_reference"]) is True
    with pytest.raises(PaymentError) as error:
        client.capture(authorization.id, 100)
    assert error.value.code == "invalid_state"
    # Nothing authorized yet under this reference: an authorization arriving later is refused.
    late = card_payload(app)
    assert client.void_reference(late["order_reference"]) is True
    with pytest.raises(PaymentError) as error:
        client.authorize(late)
    assert error.value.code == "order_reference_voided"


def test_processor_stopped_means_unavailable_and_nothing_charged(app, processor_stopped):
    client = client_from_config(app.config)
    with pytest.raises(ProcessorUnavailable) as error:
        client.authorize(card_payload(app))
    assert error.value.customer_message == (
        "We could not reach our payment company, so nothing was charged. "
        "Please try again in a few minutes.")
    assert client.void_reference(reference()) is False


def test_the_processor_answers_again_after_a_restart(app, client, processor):
    request = card_payload(app)
    first = client.authorize(request)
    processor.stop()
    try:
        with pytest.raises(ProcessorUnavailable):
            client.authorize(request)
    finally:
        processor.start()
    assert client.authorize(request) == first


class Silent:
    """A server that accepts connections, reads what is sent and never answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.received = []
        self.connections = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(connection)
            connection.settimeout(5)
            try:
                self.received.append(self._read_request(connection))
            except OSError:
                pass

    @staticmethod
    def _read_request(connection):
        """The request's head and body (they may come in separate packets)."""
        data = b""
        while (b"\r\n\r\n" not in data or len(data.partition(b"\r\n\r\n")[2]) <
               int(re.search(rb"Content-Length: (\d+)", data)[1])):
            chunk = connection.recv(65536)
            if not chunk:
                break
            data += chunk
        return data.decode()

    def close(self):
        self.sock.close()
        self.thread.join(timeout=5)
        for connection in self.connections:
            connection.close()


def test_a_timeout_voids_the_reference_before_saying_unavailable(app):
    silent = Silent()
    try:
        request = card_payload(app)
        with pytest.raises(ProcessorUnavailable):
            ProcessorClient(silent.url, timeout=0.3).authorize(request)
    finally:
        silent.close()
    assert silent.received[0].startswith("POST /v1/authorizations ")
    assert silent.received[1].startswith("POST /v1/voids ")
    assert f'{{"order_reference": "{request["order_reference"]}"}}' in silent.received[1]


class Garbled(BaseHTTPRequestHandler):
    """Answers 200 with a body that is not JSON."""

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", "10")
        self.end_headers()
        self.wfile.write(b"<html>oops")

    def log_message(self, *args):
        pass


def test_a_malformed_reply_is_unavailable():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Garbled)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        client = ProcessorClient(f"http://127.0.0.1:{server.server_port}", timeout=2)
        with pytest.raises(ProcessorUnavailable):
            client.capture("auth_x", 100)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_a_capture_asked_again_with_its_reference_captures_nothing_more(app, client):
    authorization = client.authorize(card_payload(app, amount_cents=5000))
    first = client.capture(authorization.id, 2000, reference="ship-1")
    again = client.capture(authorization.id, 2000, reference="ship-1")  # the answer was lost
    assert first.captured_cents == again.captured_cents == 2000
    with pytest.raises(PaymentError) as error:
        client.capture(authorization.id, 3000, reference="ship-1")
    assert error.value.code == "reference_conflict"
    assert client.capture(authorization.id, 3000, reference="ship-2").status == "captured"


def test_the_state_of_an_authorization_can_be_asked(app, client):
    authorization = client.authorize(card_payload(app, amount_cents=5000))
    client.capture(authorization.id, 1200, reference="ship-1")
    state = client.state(authorization.id)
    assert (state.status, state.captured_cents, state.refunded_cents) == \
        ("partially_captured", 1200, 0)
    with pytest.raises(PaymentError) as error:
        client.state("auth_does_not_exist")
    assert error.value.code == "not_found"
