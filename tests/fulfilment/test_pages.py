"""The fulfilment pages and `storefront orders ship`, as staff use them."""
import re

import pytest

from storefront.catalogue.models import Availability, Product
from storefront.fulfilment.models import Shipment
from storefront.mail.models import OutboxMessage
from storefront.orders.models import Order, OrderLine

from tests.factories import (add_to_cart, checkout, csrf_token, make_product, make_staff,
                             staff_sign_in)

pytestmark = pytest.mark.usefixtures("processor")


@pytest.fixture
def order(app, db):
    shopper = app.test_client()
    add_to_cart(shopper, make_product(name="Brass Lamp"))
    add_to_cart(shopper, make_product(name="Paper Lantern"))
    assert checkout(shopper).status_code == 302
    return Order.get()


@pytest.fixture
def warehouse(client, db):
    make_staff("fulfilment")
    staff_sign_in(client, "fulfilment@staff.example.com")
    return client


def test_the_queue_lists_orders_waiting_and_shipping_ticked_lines_works(warehouse, order):
    queue = warehouse.get("/staff/fulfilment/").get_data(as_text=True)
    assert f"Order {order.number}" in queue and "Brass Lamp" in queue
    page = warehouse.get(f"/staff/fulfilment/{order.number}").get_data(as_text=True)
    assert "2 Elm Street" in page and "+1 217-555-0199" in page
    lamp = OrderLine.get(OrderLine.name == "Brass Lamp")
    token = csrf_token(warehouse, f"/staff/fulfilment/{order.number}")
    response = warehouse.post(f"/staff/fulfilment/{order.number}/ship",
                              data={"csrf_token": token, "line": str(lamp.id)})
    assert response.status_code == 302
    page = warehouse.get(response.headers["Location"]).get_data(as_text=True)
    shipment = Shipment.get()
    assert f"Shipped with tracking number {shipment.tracking_number}" in page
    assert OrderLine.get_by_id(lamp.id).status == OrderLine.SHIPPED
    assert OrderLine.get(OrderLine.name == "Paper Lantern").status == OrderLine.ALLOCATED
    assert shipment.shipped_by.email == "fulfilment@staff.example.com"


def test_a_line_marked_discontinued_with_its_product(warehouse, order):
    lantern = OrderLine.get(OrderLine.name == "Paper Lantern")
    token = csrf_token(warehouse, f"/staff/fulfilment/{order.number}")
    unsure = warehouse.post(f"/staff/fulfilment/{order.number}/lines/{lantern.id}",
                            data={"csrf_token": token, "status": "discontinued",
                                  "also_product": "y"}, follow_redirects=True)
    assert "I am sure" in unsure.get_data(as_text=True)
    assert OrderLine.get_by_id(lantern.id).status == OrderLine.ALLOCATED  # nothing changed
    warehouse.post(f"/staff/fulfilment/{order.number}/lines/{lantern.id}",
                   data={"csrf_token": token, "status": "discontinued", "also_product": "y",
                         "sure": "y"})
    assert OrderLine.get_by_id(lantern.id).status == OrderLine.DISCONTINUED
    assert Product.get_by_id(lantern.product_id).availability == Availability.DISCONTINUED
    assert OutboxMessage.select().where(OutboxMessage.category == "line_status").count() == 1


def test_bad_requests_are_refused_clearly(warehouse, order):
    token = csrf_token(warehouse, f"/staff/fulfilment/{order.number}")
    assert warehouse.get("/staff/fulfilment/NOPE-NOPE").status_code == 404
    response = warehouse.post(f"/staff/fulfilment/{order.number}/ship",
                              data={"csrf_token": token, "line": "x"}, follow_redirects=True)
    assert "Tick the lines to ship." in response.get_data(as_text=True)
    response = warehouse.post(f"/staff/fulfilment/{order.number}/lines/999999",
                              data={"csrf_token": token, "status": "cancelled", "sure": "y"},
                              follow_redirects=True)
    assert "not part of this order" in response.get_data(as_text=True)
    response = warehouse.post(f"/staff/fulfilment/{order.number}/lines/999999",
                              data={"csrf_token": token, "status": "teleported"},
                              follow_redirects=True)
    assert "not a status" in response.get_data(as_text=True)
    assert Shipment.select().count() == 0


def test_ship_from_the_command_line_by_sku(runner, order):
    lamp = OrderLine.get(OrderLine.name == "Brass Lamp")
    result = runner.invoke(args=["orders", "ship", order.number, "--lines", lamp.sku])
    assert result.exit_code == 0, result.output
    assert re.search(rf"shipped {order.number}: tracking number [0-9]{{12}}", result.output)
    assert OrderLine.get_by_id(lamp.id).status == OrderLine.SHIPPED
    result = runner.invoke(args=["orders", "ship", order.number, "--lines", "NO-SUCH-SKU"])
    assert result.exit_code != 0 and "not lines of" in result.output
    assert runner.invoke(args=["orders", "ship", "ZZZZ-ZZZZ"]).exit_code != 0


def test_an_unfinished_shipment_is_finished_from_the_page(app, warehouse, order, processor):
    from storefront.fulfilment import service
    from storefront.fulfilment.carrier import SandboxCarrier
    from storefront.payments.gateway import ProcessorClient
    from tests.fulfilment.test_fulfilment import LostAnswers
    with app.test_request_context():
        with pytest.raises(service.FulfilmentError):
            service.ship(order, None, None, LostAnswers(ProcessorClient(processor.url)),
                         SandboxCarrier(), "https://t.example.com/{tracking_number}")
    page = warehouse.get(f"/staff/fulfilment/{order.number}").get_data(as_text=True)
    assert "Finish the pending shipment" in page and "Not finished" in page
    token = csrf_token(warehouse, f"/staff/fulfilment/{order.number}")
    response = warehouse.post(f"/staff/fulfilment/{order.number}/ship",
                              data={"csrf_token": token, "finish": "y"}, follow_redirects=True)
    assert "The shipment started earlier is finished" in response.get_data(as_text=True)
    assert {line.status for line in OrderLine.select()} == {OrderLine.SHIPPED}
    assert OutboxMessage.select().where(OutboxMessage.category == "shipment").count() == 1
