"""Many shoppers racing for the last units: no oversell, every loser told why, nothing charged."""
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

from storefront.catalogue.models import Product
from storefront.orders.models import Order, OrderLine
from storefront.payments.models import Payment

from tests.factories import add_to_cart, choose_payment, csrf_token, fill_details, make_product

SHOPPERS = 8
UNITS = 3


def _review_form(client):
    html = client.get("/checkout/review").get_data(as_text=True)
    start = html.index('name="reviewed"')
    reviewed = html[html.rindex("<input", 0, start):html.index(">", start)]
    number = html.split("Order number ", 1)[1][:9]
    return number, {"reviewed": reviewed.split('value="')[1].split('"')[0], "cvv": "123",
                    "csrf_token": csrf_token(client, "/checkout/review")}


def test_racing_checkouts_never_oversell_and_losers_get_a_clear_message(app, db, processor):
    lamp = make_product(name="Last Lamp", stock=UNITS)
    ready = []
    for _ in range(SHOPPERS):
        client = app.test_client()
        add_to_cart(client, lamp)
        fill_details(client)
        choose_payment(client)
        ready.append((client, *_review_form(client)))
    db.close()
    start = threading.Barrier(SHOPPERS)

    def place(shopper):
        client, number, form = shopper
        start.wait()
        response = client.post("/checkout/place", data=form)
        return response.status_code, response.get_data(as_text=True), number

    with ThreadPoolExecutor(max_workers=SHOPPERS) as pool:
        results = list(pool.map(place, ready))
    winners = [number for code, _, number in results if code == 302]
    losers = [body for code, body, _ in results if code != 302]
    assert len(winners) == UNITS and len(losers) == SHOPPERS - UNITS
    for body in losers:
        assert "Last Lamp" in body and ("sold out" in body or "Only 0" in body)
    assert Product.get_by_id(lamp.id).stock == 0
    assert Order.select().count() == UNITS
    assert sum(line.quantity for line in OrderLine.select()) == UNITS
    assert {order.number for order in Order.select()} == set(winners)
    assert {payment.order_number for payment in Payment.select()} == set(winners)
    # A loser whose authorization reached the processor had it voided: only the winners'
    # authorizations stand.
    with sqlite3.connect(processor.keys_dir / "processor.db") as ledger:
        standing = {row[0] for row in ledger.execute(
            "SELECT order_reference FROM authorizations WHERE status = 'authorized'")}
    attempted = {number for _, _, number in results}
    assert standing & attempted == set(winners)
