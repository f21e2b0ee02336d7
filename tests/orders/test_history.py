"""My Account lists past orders with each line's status; nobody sees another's order."""
from datetime import date

import pytest

from storefront.accounts.models import Customer
from storefront.catalogue.models import Availability
from storefront.orders.models import Order

from tests.factories import (PASSWORD, add_to_cart, checkout, make_customer, make_product,
                             post_form, sign_in)

pytestmark = pytest.mark.usefixtures("processor")


def test_my_account_lists_orders_with_each_lines_status(client, db):
    make_customer()
    sign_in(client)
    add_to_cart(client, make_product(name="Brass Lamp"))
    add_to_cart(client, make_product(name="Copper Pendant", availability=Availability.ON_RESERVE,
                                     stock=0, expected_on=date(2027, 1, 15)))
    checkout(client, details={"email": None})
    order = Order.get()
    page = client.get("/account/orders/").get_data(as_text=True)
    assert f"Order {order.number}" in page
    assert "Brass Lamp: <span class=\"line-status status-allocated\">Being prepared" in page
    assert "Copper Pendant: <span class=\"line-status status-on_reserve\">On reserve" in page
    detail = client.get(f"/account/orders/{order.number.lower()}").get_data(as_text=True)
    assert "2 Elm Street" in detail and "Visa 4••• •••• •••• 1111" in detail
    assert "On reserve (expected January 15, 2027)" in detail


def test_another_customer_and_another_browser_cannot_see_an_order(app, client, db):
    add_to_cart(client, make_product(name="Brass Lamp"))
    number = checkout(client).headers["Location"].rsplit("/", 1)[1]
    assert client.get(f"/checkout/done/{number}").status_code == 200  # the guest's browser
    stranger = app.test_client()
    assert stranger.get(f"/checkout/done/{number}").status_code == 404
    make_customer(email="eve@example.com")
    sign_in(stranger, "eve@example.com")
    assert stranger.get(f"/account/orders/{number}").status_code == 404
    assert stranger.get(f"/checkout/done/{number}").status_code == 404
    assert number not in stranger.get("/account/orders/").get_data(as_text=True)


def test_a_guest_becomes_a_customer_with_the_orders_details(client, db):
    add_to_cart(client, make_product(name="Brass Lamp"))
    number = checkout(client).headers["Location"].rsplit("/", 1)[1]
    page = client.get(f"/checkout/done/{number}").get_data(as_text=True)
    assert "Open an account" in page
    response = post_form(client, f"/checkout/done/{number}/account",
                         {"password": PASSWORD, "confirm": PASSWORD},
                         token_page=f"/checkout/done/{number}")
    assert response.status_code == 302
    customer = Customer.get()
    assert (customer.name, customer.email) == ("Gus Guest", "guest@example.com")
    assert customer.address("shipping").line1 == "2 Elm Street"
    assert customer.phone("day").number == "+12175550199"
    assert Order.get().customer_id == customer.id
    assert number in client.get("/account/orders/").get_data(as_text=True)


def test_a_guest_with_an_email_that_has_an_account_is_told_to_sign_in(client, db):
    make_customer(email="guest@example.com")
    add_to_cart(client, make_product(name="Brass Lamp"))
    number = checkout(client).headers["Location"].rsplit("/", 1)[1]
    response = post_form(client, f"/checkout/done/{number}/account",
                         {"password": PASSWORD, "confirm": PASSWORD},
                         token_page=f"/checkout/done/{number}")
    assert response.status_code == 400 and "Sign in instead" in response.get_data(as_text=True)
    assert Order.get().customer_id is None
