"""Availability set in the back office drives open orders through fulfilment (P3):
discontinued cancels every unshipped line (not charged), out of stock turns the lines waiting
without stock out of stock; each customer gets the item-status email."""
import sqlite3
from datetime import timedelta

import pytest

from storefront.backoffice import stock
from storefront.catalogue import editing
from storefront.catalogue import service as catalogue
from storefront.catalogue.models import Availability, Product
from storefront.db import utcnow
from storefront.fulfilment import service as fulfilment
from storefront.fulfilment.carrier import SandboxCarrier
from storefront.mail.models import OutboxMessage
from storefront.orders.models import Order, OrderLine
from storefront.payments.gateway import ProcessorClient
from tests.factories import (add_to_cart, checkout, make_product, make_staff, post_form,
                             staff_sign_in)


def place(app, *products, email="guest@example.com"):
    shopper = app.test_client()
    for product in products:
        add_to_cart(shopper, product)
    assert checkout(shopper, details={"email": email}).status_code == 302
    return Order.select().order_by(Order.id.desc()).get()


def line_of(order, product):
    return OrderLine.get(OrderLine.order == order, OrderLine.product == product)


def status_mails():
    return list(OutboxMessage.select().where(OutboxMessage.category == "line_status")
                .order_by(OutboxMessage.id))


def authorization(processor, order):
    with sqlite3.connect(processor.keys_dir / "processor.db") as ledger:
        return ledger.execute("SELECT status, captured_cents FROM authorizations "
                              "WHERE order_reference = ?", (order.number,)).fetchone()


@pytest.fixture
def staff_client(app):
    make_staff("fulfilment")
    client = app.test_client()
    staff_sign_in(client, "fulfilment@staff.example.com")
    return client


def set_availability(client, product, availability, **extra):
    page = f"/staff/catalogue/products/{product.id}"
    return post_form(client, f"{page}/stock", {"stock": "0", "availability": availability,
                                               "expected_on": "", **extra}, token_page=page)


def test_discontinuing_cancels_every_unshipped_line_and_tells_each_customer(
        app, db, processor, staff_client):
    lamp = make_product(name="Brass Lamp", price_cents=2000, stock=5)
    lantern = make_product(name="Paper Lantern", price_cents=1000)
    shipped = place(app, lamp, email="early@example.com")
    with app.test_request_context():
        fulfilment.ship(shipped, None, None, ProcessorClient(processor.url), SandboxCarrier(),
                        "https://t.example.com/{tracking_number}")
    waiting = place(app, lamp, lantern, email="ada@example.com")  # holds a unit of stock
    catalogue.set_availability(lamp.id, Availability.ON_RESERVE)
    reserved = place(app, lamp, email="bea@example.com")  # on reserve: holds nothing
    assert line_of(reserved, lamp).status == OrderLine.ON_RESERVE
    mails_before = len(status_mails())  # the on-reserve notice of the order placed

    refused = set_availability(staff_client, lamp, "discontinued")
    assert refused.status_code == 400
    assert "Discontinuing cancels 2 lines of open orders" in refused.get_data(as_text=True)
    assert Product.get_by_id(lamp.id).availability == Availability.ON_RESERVE

    response = set_availability(staff_client, lamp, "discontinued", confirm="y")
    assert response.status_code == 302
    flashed = staff_client.get(response.location).get_data(as_text=True)
    assert f"Open orders updated, and their customers told: {waiting.number}, " \
           f"{reserved.number}." in flashed
    assert Product.get_by_id(lamp.id).availability == Availability.DISCONTINUED
    assert line_of(shipped, lamp).status == OrderLine.SHIPPED  # gone already: untouched
    for order in (waiting, reserved):
        line = line_of(order, lamp)
        assert (line.status, line.holds_stock) == (OrderLine.DISCONTINUED, False)
    assert line_of(waiting, lantern).status == OrderLine.ALLOCATED
    assert Product.get_by_id(lamp.id).stock == 0 + 1  # the unit it held is back
    new = status_mails()[mails_before:]
    assert sorted(m.recipient for m in new) == ["ada@example.com", "bea@example.com"]
    for mail in new:
        assert "Brass Lamp: Discontinued, cancelled" in mail.body_text
        assert "you will not pay for it" in mail.body_text
        assert "Paper Lantern" not in mail.body_text
    # The order with nothing left to ship is settled: its authorization released, uncharged.
    assert Order.get_by_id(reserved.id).settled_at is not None
    assert authorization(processor, reserved) == ("voided", 0)
    assert Order.get_by_id(waiting.id).settled_at is None  # the lantern is still to ship
    # Saving again changes nothing and mails nobody.
    assert set_availability(staff_client, lamp, "discontinued").status_code == 302
    assert len(status_mails()) == mails_before + 2


def test_out_of_stock_turns_lines_without_stock_out_of_stock_and_leaves_the_rest(
        app, db, processor, staff_client):
    lamp = make_product(name="Brass Lamp", stock=1)
    holding = place(app, lamp, email="ada@example.com")
    catalogue.set_availability(lamp.id, Availability.ON_RESERVE)
    reserved = place(app, lamp, email="bea@example.com")
    mails_before = len(status_mails())
    response = set_availability(staff_client, lamp, "out_of_stock")  # no confirmation needed
    assert response.status_code == 302
    assert line_of(holding, lamp).status == OrderLine.ALLOCATED  # its unit is on the shelf
    assert line_of(holding, lamp).holds_stock
    assert line_of(reserved, lamp).status == OrderLine.OUT_OF_STOCK
    [mail] = status_mails()[mails_before:]
    assert mail.recipient == "bea@example.com" and "Brass Lamp: Out of stock" in mail.body_text
    assert "waiting for new stock" in mail.body_text
    assert holding in fulfilment.orders_to_ship() and reserved not in fulfilment.orders_to_ship()


def test_an_order_being_shipped_is_reported_and_saving_again_retries(
        app, db, processor, staff_client):
    lamp = make_product(name="Brass Lamp")
    order = place(app, lamp)
    Order.update(busy_until=utcnow() + timedelta(minutes=1)).where(Order.id == order.id) \
        .execute()
    response = set_availability(staff_client, lamp, "discontinued", confirm="y")
    flashed = staff_client.get(response.location).get_data(as_text=True)
    assert f"Order {order.number} was not updated" in flashed and "Save again" in flashed
    assert line_of(order, lamp).status == OrderLine.ALLOCATED and not status_mails()
    Order.update(busy_until=None).where(Order.id == order.id).execute()
    set_availability(staff_client, lamp, "discontinued")  # already discontinued: no tick
    assert line_of(order, lamp).status == OrderLine.DISCONTINUED
    assert len(status_mails()) == 1


def test_the_status_email_reaches_the_customer_over_smtp(app, db, processor, runner,
                                                         smtp_sink, staff_client):
    lamp = make_product(name="Brass Lamp")
    order = place(app, lamp, email="ada@example.com")
    set_availability(staff_client, lamp, "discontinued", confirm="y")
    runner.invoke(args=["worker", "--once"])
    received = {m["Subject"]: m for m in smtp_sink.messages()}
    mail = received[f"About some items of order {order.number}"]
    assert mail["To"] == "ada@example.com"
    text = mail.get_body(("plain",)).get_content()
    assert "Brass Lamp: Discontinued, cancelled" in text


def test_the_service_follows_without_the_web(app, db, processor):
    lamp = make_product(name="Brass Lamp")
    order = place(app, lamp)
    with pytest.raises(editing.CatalogueError) as refused:
        stock.change_stock(lamp, {"availability": "discontinued"}, None,
                           ProcessorClient(processor.url))
    assert "Tick to confirm" in str(refused.value)
    with app.test_request_context():
        saved, followed = stock.change_stock(
            lamp, {"availability": "discontinued", "name": "ignored"}, None,
            ProcessorClient(processor.url), confirmed=True)
    assert saved.changes == {"availability": ["available", "discontinued"]}
    assert followed.changed == [order.number] and followed.failed == []
    assert Product.get_by_id(lamp.id).name == "Brass Lamp"  # only stock fields are taken
