"""Promotion codes at checkout (P6): checked with a message next to the field, a discount off
the products only, spread exactly over the lines, counted once per order (the last use raced),
and charged through the real sandbox processor as the discounted amounts."""
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from storefront.catalogue.models import Product
from storefront.db import utcnow
from storefront.marketing import promotions
from storefront.marketing.models import PromoCode, Promotion
from storefront.orders.models import Order, OrderLine
from storefront.payments.models import Payment

from tests.checkout.test_gift_card_payments import buy_gift_card
from tests.checkout.test_stock_race import _review_form
from tests.factories import (add_to_cart, choose_payment, fill_details, make_product,
                             place_order)
from tests.fulfilment.conftest import fulfil  # noqa: F401 (fixture)
from tests.fulfilment.test_fulfilment import TRACKING, lines
from tests.giftcards.test_service import issue_card


def make_code(code="SPRING15", kind=PromoCode.PERCENT, amount=15, **overrides):
    now = utcnow()
    promotion = Promotion.get_or_none() or Promotion.create(
        title="Spring", slug="spring", starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=30))
    fields = {"promotion": promotion, "code": code, "kind": kind, "amount": amount,
              "starts_at": now - timedelta(days=1), "expires_at": now + timedelta(days=30)}
    fields.update(overrides)
    return PromoCode.create(**fields)


def to_payment(client, *products):
    for product, quantity in products:
        add_to_cart(client, product, quantity)
    assert fill_details(client).status_code == 302


def authorized(processor, order):
    with sqlite3.connect(processor.keys_dir / "processor.db") as ledger:
        return ledger.execute("SELECT amount_cents, status, captured_cents FROM authorizations "
                              "WHERE order_reference = ?", (order.number,)).fetchone()


def test_the_spread_sums_exactly_and_follows_the_largest_remainders():
    assert promotions.spread(800, [1999, 2333, 1001]) == [300, 350, 150]
    for total, amounts in ((1, [1, 1, 1]), (2, [333, 333, 334]), (999, [7, 13, 9999]),
                           (5333, [1999, 2333, 1001]), (0, [5, 5])):
        parts = promotions.spread(total, amounts)
        assert sum(parts) == total
        assert all(0 <= part <= amount for part, amount in zip(parts, amounts, strict=True))


@pytest.mark.parametrize("setup, typed, message", [
    ({}, "NOSUCH99", "There is no such promotion code"),
    ({"expires_at": utcnow() - timedelta(days=1), "starts_at": utcnow() - timedelta(days=9)},
     "spring15", "The code SPRING15 expired on"),
    ({"starts_at": utcnow() + timedelta(days=2)}, "SPRING15", "cannot be used yet"),
    ({"is_active": False}, "SPRING15", "The code SPRING15 is no longer valid."),
    ({"min_order_cents": 5001}, "SPRING15",
     "needs products worth at least $50.01 (gift cards do not count)"),
    ({"max_uses": 3, "uses": 3}, "SPRING15", "has been used as often as it may be"),
    ({}, "!!", "There is no such promotion code"),
])
def test_a_code_that_cannot_be_used_is_refused_next_to_the_field(client, db, setup, typed,
                                                                 message):
    make_code(**setup)
    to_payment(client, (make_product(price_cents=5000), 1))
    buy_gift_card(client, 5000)  # gift cards do not count towards the minimum
    response = choose_payment(client, promo_code=typed)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    error = html.index('id="promo_code-error"')
    assert message in html[error:error + 300]
    assert 'aria-invalid="true"' in html[html.index('name="promo_code"') - 200:error]


def test_a_percentage_of_lines_with_odd_cents_is_spread_exactly_and_recorded(
        client, db, processor):
    code = make_code(min_order_cents=5000)
    to_payment(client, (make_product(name="Lamp", price_cents=1999), 1),
               (make_product(name="Shade", price_cents=2333), 1),
               (make_product(name="Bulb", price_cents=1001), 1))
    assert choose_payment(client, promo_code=" spring15 ").status_code == 302
    review = client.get("/checkout/review").get_data(as_text=True)
    assert "Promotion code SPRING15" in review and "−$8.00" in review
    assert "Place order ($51.28)" in review  # 53.33 − 8.00 (15 %, rounded) + 5.95 shipping
    assert place_order(client).status_code == 302
    order = Order.get()
    assert (order.promo_code, order.discount_cents) == ("SPRING15", 800)
    assert order.merchandise_cents == 5333 - 800 and order.card_cents == 5128
    by_name = lines(order)
    assert {name: line.discount_cents for name, line in by_name.items()} == {
        "Lamp": 300, "Shade": 350, "Bulb": 150}
    assert sum(line.total_cents for line in by_name.values()) == 4533
    assert PromoCode.get_by_id(code.id).uses == 1
    done = client.get(f"/checkout/done/{order.number}").get_data(as_text=True)
    assert "Promotion code SPRING15: you saved $8.00" in done
    assert authorized(processor, order) == (5128, "authorized", 0)


def test_a_fixed_amount_comes_off_products_only_never_gift_cards_or_shipping(
        client, db, processor):
    make_code("TENOFF", PromoCode.FIXED, 1000)
    to_payment(client, (make_product(name="Lantern", price_cents=1500), 1))
    buy_gift_card(client, 5000)
    assert choose_payment(client, promo_code="tenoff").status_code == 302
    assert place_order(client).status_code == 302
    order = Order.get()
    products, gift_cards = (
        [line for line in OrderLine.select() if line.kind == kind]
        for kind in (OrderLine.PRODUCT, OrderLine.GIFT_CARD))
    assert [line.discount_cents for line in products] == [1000]
    assert [line.discount_cents for line in gift_cards] == [0]
    assert order.shipping_cents == 595
    assert order.card_cents == 500 + 5000 + 595
    assert authorized(processor, order)[0] == 6095


def test_a_fixed_amount_above_the_products_takes_them_to_zero_and_no_further(
        client, db, processor):
    make_code("BIGGIFT", PromoCode.FIXED, 10_000)
    to_payment(client, (make_product(price_cents=1500), 1))
    assert choose_payment(client, promo_code="BIGGIFT").status_code == 302
    assert place_order(client).status_code == 302
    order = Order.get()
    assert (order.discount_cents, order.merchandise_cents, order.card_cents) == (1500, 0, 595)


def test_free_standard_shipping_looks_at_the_products_before_the_discount(
        client, db, processor):
    make_code("TWENTY", amount=20)
    to_payment(client, (make_product(price_cents=8000), 1))
    assert choose_payment(client, promo_code="TWENTY").status_code == 302
    assert place_order(client).status_code == 302
    order = Order.get()
    assert (order.shipping_cents, order.discount_cents, order.card_cents) == (0, 1600, 6400)


def test_a_gift_card_pays_the_discounted_amount_only(app, client, db, processor):
    _, gift_code = issue_card(app, 10_000)
    make_code("HALF", amount=50)
    to_payment(client, (make_product(price_cents=4000), 1))
    assert choose_payment(client, promo_code="HALF", gift_code=gift_code,
                          number=None, expiry=None, holder=None).status_code == 302
    assert place_order(client, cvv=None).status_code == 302
    order = Order.get()
    assert (order.gift_card_cents, order.card_cents) == (2000 + 595, 0)


def test_a_code_stopped_after_the_review_places_nothing_and_charges_nothing(
        client, db, processor):
    code = make_code()
    to_payment(client, (make_product(name="Lamp"), 1))
    assert choose_payment(client, promo_code="SPRING15").status_code == 302
    number = _review_form(client)[0]
    PromoCode.update(is_active=False).where(PromoCode.id == code.id).execute()
    response = place_order(client)
    assert response.status_code == 400
    assert "The code SPRING15 is no longer valid. Please change the payment to remove it." in \
        response.get_data(as_text=True)
    assert Order.select().count() == 0 and Payment.select().count() == 0
    with sqlite3.connect(processor.keys_dir / "processor.db") as ledger:
        assert ledger.execute("SELECT count(*) FROM authorizations WHERE order_reference = ?",
                              (number,)).fetchone()[0] == 0


def test_partial_shipments_capture_the_discounted_lines_and_a_discontinued_line_is_released(
        client, db, fulfil):  # noqa: F811 (the fulfilment fixture)
    make_code("TAKE10", amount=10)
    to_payment(client, (make_product(name="Brass Lamp", price_cents=2999), 1),
               (make_product(name="Paper Lantern", price_cents=1001), 1),
               (make_product(name="Wool Rug", price_cents=1234), 1))
    assert choose_payment(client, promo_code="TAKE10").status_code == 302
    assert place_order(client).status_code == 302
    order = Order.get()
    by_name = lines(order)
    # 10 % of 52.34 is 5.23: 2.99 + 1.00 + 1.24 with the largest remainders
    assert order.discount_cents == 523
    assert sum(line.discount_cents for line in by_name.values()) == 523
    assert order.card_cents == 5234 - 523 + 595
    assert authorized(fulfil.processor_handle, order)[0] == order.card_cents
    lamp, lantern, rug = by_name["Brass Lamp"], by_name["Paper Lantern"], by_name["Wool Rug"]
    first = fulfil("ship", order, [lamp.id], None, fulfil.processor, fulfil.carrier,
                   TRACKING).shipment
    assert first.captured_cents == lamp.total_cents + 595
    second = fulfil("ship", order, [rug.id], None, fulfil.processor, fulfil.carrier,
                    TRACKING).shipment
    assert second.captured_cents == rug.total_cents
    fulfil("change_line", order, lantern.id, OrderLine.DISCONTINUED, fulfil.processor)
    captured = lamp.total_cents + rug.total_cents + 595
    assert authorized(fulfil.processor_handle, order) == (order.card_cents, "captured",
                                                          captured)
    assert order.card_cents - captured == lantern.total_cents == 1001 - lantern.discount_cents
    assert Order.get_by_id(order.id).settled_at is not None


def test_two_orders_racing_for_the_last_use_give_one_order(app, db, processor):
    code = make_code("LASTONE", max_uses=1)
    lamp = make_product(name="Lamp", stock=10)
    ready = []
    for _ in range(2):
        client = app.test_client()
        to_payment(client, (lamp, 1))
        assert choose_payment(client, promo_code="LASTONE").status_code == 302
        ready.append((client, *_review_form(client)))
    db.close()
    start = threading.Barrier(len(ready))

    def place(shopper):
        client, number, form = shopper
        start.wait()
        response = client.post("/checkout/place", data=form)
        return response.status_code, response.get_data(as_text=True), number

    with ThreadPoolExecutor(max_workers=len(ready)) as pool:
        results = list(pool.map(place, ready))
    winners = [number for status, _, number in results if status == 302]
    losers = [body for status, body, _ in results if status != 302]
    assert len(winners) == 1 and len(losers) == 1
    assert "LASTONE has been used as often as it may be" in losers[0]
    assert [order.number for order in Order.select()] == winners
    assert PromoCode.get_by_id(code.id).uses == 1
    assert Product.get_by_id(lamp.id).stock == 9
    with sqlite3.connect(processor.keys_dir / "processor.db") as ledger:
        standing = {row[0] for row in ledger.execute(
            "SELECT order_reference FROM authorizations WHERE status = 'authorized'")}
    assert standing & {number for _, _, number in results} == set(winners)


def test_a_code_on_a_cart_of_gift_cards_only_is_refused_and_keeps_its_use(db):
    """A code takes money off products: with none, it would only use up a use for $0."""
    code = make_code(max_uses=1)
    assert "there are none in your cart" in promotions.problem(code, 0, utcnow())
    assert PromoCode.get_by_id(code.id).uses == 0
