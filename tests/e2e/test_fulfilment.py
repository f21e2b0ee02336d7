"""A purchase shipped from the staff pages, and the promised emails read in the SMTP sink."""
import os
import re
import subprocess

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from storefront.fulfilment.models import Shipment
from storefront.orders.models import Order
from tests.factories import CARD_EXPIRY, STAFF_PASSWORD, make_staff
from tests.sandbox import STOREFRONT

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("processor")]


def run_mail_worker(database_url, sink):
    """`storefront worker --once` as its own process, as `make run` runs the worker."""
    environment = {**os.environ, "DATABASE_URL": database_url, "SMTP_URL": sink.url}
    done = subprocess.run([STOREFRONT, "worker", "--once"], env=environment,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def body(message):
    """The text/plain part of a received message."""
    return message.get_body(preferencelist=("plain",)).get_content()


def buy(page, products=("brass-desk-lamp", "copper-pendant")):
    """A guest buys one of each product (by slug: the demo's desk lamp and the pendant that is
    on reserve unless told); the order number."""
    for product in products:
        page.goto(f"/p/{product}")
        page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("link", name="Check out").click()
    page.get_by_label("Email").fill("gus@example.com")
    page.get_by_label("Phone").fill("(217) 555-0199")
    shipping = page.get_by_role("group", name="Shipping address")
    shipping.get_by_label("Full name").fill("Gus Guest")
    shipping.get_by_label("Address line 1").fill("2 Elm Street")
    shipping.get_by_label("City").fill("Springfield")
    shipping.get_by_label("Postal code").fill("62702")
    page.get_by_role("button", name="Continue to payment").click()
    page.get_by_label("Card number").fill("4111 1111 1111 1111")
    page.get_by_label("Expiry date (MM/YY)").fill(CARD_EXPIRY)
    page.get_by_label("Name on card").fill("Gus Guest")
    page.get_by_role("button", name="Review your order").click()
    page.get_by_label("Security code (CVV)").fill("123")
    page.get_by_role("button", name=re.compile("^Place order")).click()
    number = page.locator(".order-number strong")
    expect(number).to_have_text(re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}$"))
    return number.inner_text()


def test_an_order_shipped_from_the_staff_page_mails_what_was_promised(
        shop, new_context, db, smtp_sink, database_url):
    number = buy(new_context().new_page())
    make_staff("fulfilment")

    staff = new_context().new_page()
    staff.goto("/staff/login")
    staff.get_by_label("Staff email").fill("fulfilment@staff.example.com")
    staff.get_by_label("Password").fill(STAFF_PASSWORD)
    staff.get_by_role("button", name="Sign in").click()
    staff.get_by_role("link", name="Orders to ship").click()
    staff.get_by_role("link", name=f"Order {number}").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text(f"Order {number}")
    expect(staff.get_by_label("Ship Brass Desk Lamp")).to_be_checked()
    expect(staff.get_by_label("Ship Copper Pendant")).to_have_count(0)  # on reserve
    serious = [v for v in Axe().run(staff).response["violations"]
               if v["impact"] in ("serious", "critical")]
    assert not serious, [v["id"] for v in serious]
    staff.get_by_role("button", name="Ship the ticked lines").click()
    expect(staff.get_by_role("status")).to_contain_text("Shipped with tracking number")
    tracking_number = Shipment.get(Shipment.order == Order.get(Order.number == number)) \
        .tracking_number

    run_mail_worker(database_url, smtp_sink)
    received = {message["Subject"]: message for message in smtp_sink.messages()}
    assert set(received) == {f"About some items of order {number}",
                             f"Order {number} has shipped",
                             f"Tracking number for order {number}"}
    for message in received.values():
        assert message["To"] == "gus@example.com"
        assert "4111111111111111" not in message.as_string()
    status = body(received[f"About some items of order {number}"])
    assert "Copper Pendant: On reserve" in status and "Brass Desk Lamp" not in status
    shipped = body(received[f"Order {number} has shipped"])
    assert "1 x Brass Desk Lamp ($42.50 each): $42.50 - Shipped" in shipped
    assert "1 x Copper Pendant ($89.00 each): $89.00 - On reserve" in shipped
    assert "Visa 4••• •••• •••• 1111" in shipped
    tracking = body(received[f"Tracking number for order {number}"])
    assert tracking_number in tracking and re.search(r"[0-9]{12}", tracking)
