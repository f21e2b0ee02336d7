"""The server log: one line per request with its id (also in the X-Request-ID header and on
every other line written while it is served), and never a secret in any line."""
import io
import logging
import random
import re

import pytest

from storefront.db import database, open_database
from storefront.ops.access_log import LineHandler
from storefront.payments.cards import luhn_ok

from tests.factories import (REGISTRATION, add_to_cart, checkout, make_product, post_form,
                             sign_in)
from tests.sandbox import free_port

ACCESS = "storefront.access"
GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def lines(caplog):
    """Every record of the storefront loggers, and the lines as the server writes them."""
    caplog.set_level(logging.DEBUG, logger="storefront")
    stream = io.StringIO()
    handler = LineHandler(stream)
    logging.getLogger("storefront").addHandler(handler)
    yield caplog, stream
    logging.getLogger("storefront").removeHandler(handler)


def access_records(caplog):
    return [record for record in caplog.records if record.name == ACCESS]


def test_one_line_per_request_with_the_id_the_response_carries(client, lines):
    caplog, stream = lines
    responses = [client.get("/"), client.get("/security"), client.get("/cart/"),
                 client.get("/", headers={"X-Request-ID": "edge-7f3a9c01.b_2"})]
    records = access_records(caplog)
    assert len(records) == len(responses)
    ids = [response.headers["X-Request-ID"] for response in responses]
    assert [record.request_id for record in records] == ids
    assert all(GENERATED.fullmatch(i) for i in ids[:3]) and len(set(ids)) == 4
    assert ids[3] == "edge-7f3a9c01.b_2"  # a valid id from the proxy in front is kept
    assert re.fullmatch(r"method=GET route=/ status=200 duration_ms=\d+",
                        records[0].getMessage())
    assert re.search(r"request_id=edge-7f3a9c01\.b_2 method=GET route=/ status=200 "
                     r"duration_ms=\d+\n", stream.getvalue())


@pytest.mark.parametrize("offered", ["short", "x" * 65, "two words here", "semi;colon-123",
                                     "ümlaut-12345", "quote\"d-12345", "<script>12345"])
def test_an_id_that_is_not_a_plain_token_is_replaced(client, lines, offered):
    caplog, _ = lines
    given = client.get("/security", headers={"X-Request-ID": offered}).headers["X-Request-ID"]
    assert GENERATED.fullmatch(given)
    assert offered not in caplog.text


def test_the_line_names_the_route_never_the_path_the_query_or_the_form(client, db, lines):
    caplog, _ = lines
    lamp = make_product(name="Brass Lamp 8123")
    client.get(f"/p/{lamp.slug}?ref=needle-query&utm_campaign=spring")
    client.get("/nothing/here-4471")
    client.post("/account/login", data={"email": "someone@example.com", "password": "x" * 12})
    messages = [record.getMessage() for record in access_records(caplog)]
    assert re.fullmatch(r"method=GET route=/p/<slug> status=200 duration_ms=\d+", messages[0])
    assert re.fullmatch(r"method=GET route=- status=404 duration_ms=\d+", messages[1])
    # Refused by the CSRF check before any view: logged all the same.
    assert re.fullmatch(r"method=POST route=/account/login status=400 duration_ms=\d+",
                        messages[2])
    for part in (lamp.slug, "8123", "needle", "spring", "4471", "someone"):
        assert part not in "\n".join(messages)


def test_other_lines_written_during_a_request_carry_its_id(client, lines):
    caplog, stream = lines
    working = database.obj
    database.initialize(open_database(f"postgresql://shop@127.0.0.1:{free_port()}/shop"))
    try:
        response = client.get("/", headers={"X-Request-ID": "trace-me-0042"})
    finally:
        database.initialize(working)
    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "trace-me-0042"
    errors = [record for record in caplog.records
              if record.levelno >= logging.ERROR and record.name != ACCESS]
    assert errors  # the failure itself, as the app logged it
    text = stream.getvalue()
    for record in errors:
        assert f"request_id=trace-me-0042 {record.getMessage()}" in text
    assert "request_id=trace-me-0042 method=GET route=/ status=500" in text
    logging.getLogger("storefront.ops").warning("between requests")
    assert "request_id=- between requests" in stream.getvalue()


def random_visa():
    while True:
        digits = "4" + "".join(random.choice("0123456789") for _ in range(15))
        if luhn_ok(digits):
            return digits


def test_no_line_holds_a_card_number_cvv_password_or_session_cookie(
        app, client, db, processor, lines):
    caplog, stream = lines
    password, wrong = "umbrella-giraffe-quartz-91", "umbrella-giraffe-quartz-19"
    card, cvv = random_visa(), "737"
    lamp = make_product(name="Brass Lamp", stock=5)

    registered = post_form(client, "/account/register",
                           {**REGISTRATION, "password": password, "confirm": password})
    assert registered.status_code == 302
    post_form(client, "/account/logout", {}, token_page="/account/")
    refused = sign_in(client, email=REGISTRATION["email"], password=wrong)
    assert "The email or password is not right." in refused.get_data(as_text=True)
    assert sign_in(client, email=REGISTRATION["email"], password=password,
                   remember="y").status_code == 302
    add_to_cart(client, lamp)
    placed = checkout(client, card=" ".join(card[i:i + 4] for i in range(0, 16, 4)), cvv=cvv,
                      details={"email": None}, save="y")
    assert placed.status_code == 302
    assert client.get(placed.headers["Location"]).status_code == 200

    cookies = [client.get_cookie(name).value for name in ("sf_session", "sf_remember")]
    logged = "\n".join([caplog.text, stream.getvalue(),
                        *(str(vars(record)) for record in caplog.records)])
    assert len(access_records(caplog)) > 10  # the lines are there to look through
    secrets = {"card number": card, "grouped card number": card[:4] + " " + card[4:8],
               "card's middle digits": card[1:12], "password": password,
               "wrong password": wrong, **{f"cookie {n}": v for n, v in enumerate(cookies)}}
    for what, secret in secrets.items():
        assert secret not in logged, what
    # Any three digits turn up by chance in timing fields (a record's msecs, the ",737" of a
    # line's time, a 737 ms request, a pid): look for the CVV everywhere but there.
    timing = {"created", "msecs", "relativeCreated", "asctime", "process", "thread"}
    untimed = "\n".join([
        caplog.text,
        re.sub(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ", "", stream.getvalue(), flags=re.M),
        *(str({k: v for k, v in vars(record).items() if k not in timing})
          for record in caplog.records)])
    untimed = re.sub(r"duration_ms=\d+", "duration_ms=N", untimed)
    assert not re.search(rf"(?<![0-9A-Za-z]){cvv}(?![0-9A-Za-z])", untimed), "the CVV"
