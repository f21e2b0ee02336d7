"""Checkout from the cart to a placed order, against the sandbox processor process."""
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from storefront.cart.models import CartLine
from storefront.catalogue.models import Availability, Product
from storefront.mail.models import OutboxMessage
from storefront.orders.models import Order, OrderLine
from storefront.payments.models import Payment, SavedCard

from tests.factories import (DECLINED_CARD, add_to_cart, checkout, choose_payment,
                             fill_details, make_customer, make_product, place_order, sign_in)

pytestmark = pytest.mark.usefixtures("processor")


def test_a_guest_checks_out_and_gets_a_readable_unguessable_order_number(client, db):
    lamp = make_product(name="Brass Lamp", price_cents=4250, stock=5)
    add_to_cart(client, lamp, 2)
    response = checkout(client)
    assert response.status_code == 302
    number = response.headers["Location"].rsplit("/", 1)[1]
    assert re.fullmatch(r"[A-HJKMNP-TV-Z2-9]{4}-[A-HJKMNP-TV-Z2-9]{4}", number)
    page = client.get(f"/checkout/done/{number}").get_data(as_text=True)
    assert number in page and "Brass Lamp" in page and "Being prepared" in page
    order = Order.get(Order.number == number)
    assert (order.email, order.phone, order.customer) == ("guest@example.com", "+12175550199",
                                                          None)
    assert (order.merchandise_cents, order.shipping_cents, order.card_cents) == (8500, 0, 8500)
    assert (order.card_brand, order.card_first_digit, order.card_last_four) == \
        ("visa", "4", "1111")
    assert Product.get_by_id(lamp.id).stock == 3
    assert Payment.get(Payment.order_number == number).amount_cents == 8500
    assert CartLine.select().count() == 0
    assert OutboxMessage.select().count() == 0  # checkout itself mails the buyer nothing
    assert "4••• •••• •••• 1111" in page


def test_shipping_is_priced_by_method_and_standard_is_free_from_75_dollars(client, db):
    make_product(name="Paper Lantern", price_cents=1500)
    add_to_cart(client, Product.get())
    checkout(client, details={"method": "express"})
    order = Order.get()
    assert (order.shipping_method, order.shipping_cents, order.card_cents) == \
        ("express", 1495, 2995)


def test_a_declined_card_places_nothing_and_the_customer_can_try_another(client, db):
    lamp = make_product(name="Brass Lamp", stock=5)
    add_to_cart(client, lamp)
    response = checkout(client, card=DECLINED_CARD)
    assert response.status_code == 402
    assert "declined" in response.get_data(as_text=True)
    assert Order.select().count() == 0 and Product.get_by_id(lamp.id).stock == 5
    assert CartLine.select().count() == 1
    choose_payment(client)
    assert place_order(client).status_code == 302
    assert Order.select().count() == 1


def test_the_processor_down_places_nothing_and_keeps_the_cart(client, db, processor_stopped):
    lamp = make_product(name="Brass Lamp", stock=5)
    add_to_cart(client, lamp)
    response = checkout(client)
    assert response.status_code == 503
    assert "could not reach our payment company" in response.get_data(as_text=True)
    assert Order.select().count() == 0 and Product.get_by_id(lamp.id).stock == 5
    assert CartLine.get().quantity == 1


def test_placing_twice_records_one_order_and_one_authorization(app, client, db, processor):
    add_to_cart(client, make_product(name="Brass Lamp", stock=5))
    fill_details(client)
    choose_payment(client)
    html = client.get("/checkout/review").get_data(as_text=True)
    form = {name: re.search(rf'name="{name}"[^>]*value="([^"]*)"', html).group(1)
            for name in ("csrf_token", "reviewed", "number")}
    form["cvv"] = "123"
    cookie = client.get_cookie("sf_session").value
    db.close()
    # A double click: two requests with the same cookie and form at once.
    clicks = [app.test_client() for _ in range(2)]
    for other in clicks:
        for name in ("sf_session", "sf_visitor"):
            other.set_cookie(name, client.get_cookie(name).value)
    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(pool.map(lambda c: c.post("/checkout/place", data=form), clicks))
    assert [r.status_code for r in responses] == [302, 302]
    assert len({r.headers["Location"] for r in responses}) == 1
    # A replay later, from the browser that placed it: the same order again.
    client.set_cookie("sf_session", cookie)
    first = client.post("/checkout/place", data=form)
    assert first.status_code == 302
    done = clicks[0].post("/checkout/place", data=form)
    assert done.headers["Location"] == responses[0].headers["Location"]
    assert Order.select().count() == 1 and Payment.select().count() == 1


def test_a_customer_saves_a_card_and_pays_with_it_next_time_without_the_cvv(client, db):
    make_customer()
    sign_in(client)
    lamp = make_product(name="Brass Lamp", stock=5)
    add_to_cart(client, lamp)
    page = client.get("/checkout/").get_data(as_text=True)
    assert "1 Main Street" in page  # the account's address is offered
    assert checkout(client, details={"email": None}, save="y").status_code == 302
    card = SavedCard.get()
    assert (card.brand, card.first_digit, card.last_four) == ("visa", "4", "1111")
    assert "4111111111111111" not in card.sealed
    add_to_cart(client, lamp)
    fill_details(client, email=None)
    page = client.get("/checkout/payment").get_data(as_text=True)
    assert "4••• •••• •••• 1111" in page
    post = choose_payment(client, number=None, expiry=None, holder=None,
                          pay_with=f"saved-{card.id}")
    assert post.status_code == 302
    review = client.get("/checkout/review").get_data(as_text=True)
    assert 'name="cvv"' not in review
    assert place_order(client, cvv=None).status_code == 302
    assert Order.select().count() == 2 and SavedCard.select().count() == 1


def test_an_on_reserve_product_is_ordered_and_its_line_marked(client, db):
    pendant = make_product(name="Copper Pendant", availability=Availability.ON_RESERVE, stock=0)
    add_to_cart(client, pendant)
    assert checkout(client).status_code == 302
    assert OrderLine.get().status == OrderLine.ON_RESERVE
