"""The sandbox processor's HTTP API, against the real process the `processor` fixture runs."""
import json
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from datetime import date

import pytest

from storefront.payments.gateway import authorization_request
from storefront.payments.vault import load_public_key, seal
from storefront.processor.issuer import TEST_CARDS
from tests.sandbox import STOREFRONT, free_port

NEXT_YEAR = date.today().year + 1


def post(url, body):
    """(status, JSON) of a POST with a JSON body."""
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def payload(processor, number="4111111111111111", **overrides):
    """An authorization request for a fresh order reference."""
    fields = {"sealed_card_token": seal(number, load_public_key(processor.public_key_file)),
              "exp_month": 12, "exp_year": NEXT_YEAR, "amount_cents": 2500,
              "order_reference": f"test-{uuid.uuid4().hex}", "billing_postal_code": "10001",
              "cvv": "123"}
    fields.update(overrides)
    return authorization_request(**fields)


def authorize(processor, number="4111111111111111", **overrides):
    """POST /v1/authorizations for a test card."""
    return post(processor.url + "/v1/authorizations", payload(processor, number, **overrides))


def test_health(processor):
    with urllib.request.urlopen(processor.url + "/health", timeout=5) as response:
        assert json.loads(response.read()) == {"status": "ok"}


@pytest.mark.parametrize("card", TEST_CARDS, ids=lambda card: card.number)
def test_each_test_card_gets_its_documented_answer(processor, card):
    cvv = "1234" if card.brand == "amex" else "123"
    status, body = authorize(processor, card.number, cvv=cvv)
    if card.outcome == "approved":
        assert status == 201
        assert body["status"] == "authorized" and body["id"].startswith("auth_")
        assert (body["brand"], body["last_four"], body["amount_cents"]) == \
            (card.brand, card.number[-4:], 2500)
    elif card.outcome == "declined":
        assert (status, body["status"], body["code"]) == (402, "declined", card.code)
        assert body["message"]
    else:
        assert (status, body) == (500, {"status": "error", "code": "processing_error"})


def test_any_other_luhn_valid_number_approves(processor):
    status, body = authorize(processor, "6011111111111117")
    assert (status, body["brand"], body["last_four"]) == (201, "discover", "1117")


@pytest.mark.parametrize(("overrides", "code"), [
    ({"exp_month": 1, "exp_year": date.today().year - 1}, "expired_card"),
    ({"cvv": "12"}, "incorrect_cvc"),
    ({"cvv": "1234"}, "incorrect_cvc"),
    ({"number": "378282246310005", "cvv": "123"}, "incorrect_cvc"),
    ({"number": "4111111111111112"}, "incorrect_number"),
])
def test_declines(processor, overrides, code):
    status, body = authorize(processor, **overrides)
    assert (status, body["status"], body["code"]) == (402, "declined", code)


def test_a_saved_card_is_authorized_without_its_cvv(processor):
    status, body = authorize(processor, cvv=None)
    assert status == 201 and body["status"] == "authorized"


def test_same_reference_same_amount_is_the_same_authorization(processor):
    request = payload(processor)
    first = post(processor.url + "/v1/authorizations", request)
    again = post(processor.url + "/v1/authorizations", request)
    assert first[0] == 201 and again == (200, first[1])
    different = post(processor.url + "/v1/authorizations", {**request, "amount_cents": 2600})
    assert different[0] == 409 and different[1]["code"] == "order_reference_conflict"


@pytest.mark.parametrize("change", [
    {"name": "Jane Shopper"},
    {"email": "jane@example.com"},
    {"number": "4111111111111111"},
])
def test_unknown_fields_are_refused(processor, change):
    status, body = post(processor.url + "/v1/authorizations", {**payload(processor), **change})
    assert status == 400 and body["code"] == "invalid_request"
    assert f"unknown fields: {next(iter(change))}" in body["message"]


@pytest.mark.parametrize(("field", "value"), [
    ("amount_cents", 0), ("amount_cents", True), ("amount_cents", "25"), ("exp_month", 13),
    ("exp_year", 26), ("currency", "EUR"), ("cvv", "12a"), ("order_reference", ""),
    ("billing_postal_code", 10001), ("sealed_number", "v1.not-sealed-for-this-key"),
])
def test_invalid_values_are_refused(processor, field, value):
    status, body = post(processor.url + "/v1/authorizations",
                        {**payload(processor), field: value})
    assert status == 400 and body["status"] == "error"


def test_missing_fields_and_non_json_are_refused(processor):
    request = payload(processor)
    del request["billing_postal_code"]
    status, body = post(processor.url + "/v1/authorizations", request)
    assert status == 400 and "missing fields: billing_postal_code" in body["message"]
    assert post(processor.url + "/v1/authorizations", [1, 2])[0] == 400
    assert post(processor.url + "/v1/authorizations/auth_nope/void", {})[0] == 404


def test_the_processor_never_writes_the_card_number(processor):
    number = "4111111111111111"
    assert authorize(processor, number, cvv="098")[0] == 201
    files = [processor.keys_dir / name for name in ("processor.db", "processor.db-wal")]
    stored = b"".join(path.read_bytes() for path in files if path.exists())
    with sqlite3.connect(processor.keys_dir / "processor.db") as connection:
        columns = [row[1] for row in connection.execute("PRAGMA table_info(authorizations)")]
        rows = connection.execute("SELECT * FROM authorizations").fetchall()
    connection.close()
    assert rows and not {"number", "cvv", "card_number", "pan"} & set(columns)
    assert number.encode() not in stored and number not in repr(rows)
    assert "098" not in {str(value) for row in rows for value in row}
    assert number not in processor.output()


def test_the_processor_does_not_load_the_shop(processor):
    code = ("import sys, storefront.processor.app, storefront.processor.server;"
            "print(sorted(m for m in sys.modules if m.startswith('storefront.')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout
    assert ".models" not in loaded and "storefront.web" not in loaded
    assert "storefront.payments.service" not in loaded


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_serve_prints_its_url_and_stops_cleanly(tmp_path, stop_signal):
    port = free_port()
    server = subprocess.Popen([STOREFRONT, "processor", "serve", "--port", str(port),
                               "--keys", str(tmp_path / "keys")],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5).close()
            break
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("the processor did not start:\n" + server.communicate()[0])
            time.sleep(0.05)
    assert (tmp_path / "keys" / "private.pem").exists()  # generated when missing
    server.send_signal(stop_signal)
    output = server.communicate(timeout=10)[0]
    assert server.returncode == 0
    assert f"Sandbox processor is at http://127.0.0.1:{port}/" in output
    assert "Traceback" not in output
