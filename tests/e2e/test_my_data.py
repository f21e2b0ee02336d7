"""Issue 7 in Chromium: a customer downloads their data from My Account (their order and
address are in it, nothing of another customer is), then deletes the account: signed out,
and the password opens nothing any more."""
import json
import re

import pytest
from playwright.sync_api import expect

from storefront.accounts.models import Customer
from storefront.catalogue.models import Product
from storefront.orders.models import Order
from storefront.privacy.models import AuditEvent
from tests.e2e.test_checkout import (add_to_cart, account_nav, continue_to_payment,
                                     fill_new_card, heading, place_order, register,
                                     review_order)
from tests.e2e.test_consent import assert_no_serious_axe_violations
from tests.factories import (APPROVED_CARD, PASSWORD, address, checkout, make_customer,
                             make_staff, sign_in)
from tests.factories import add_to_cart as add_to_cart_by_form
from tests.rights.conftest import ship

pytestmark = pytest.mark.e2e

EMAIL = "ada.shopper@example.com"  # as tests.e2e.test_checkout.register types it


@pytest.fixture
def other_customer(app, shop, processor):
    """Bea, with an account and an order of her own."""
    make_customer(name="Bea Otherly", email="bea.otherly@example.org",
                  shipping=address(name="Bea Otherly", line1="77 Quince Lane", city="Chicago",
                                   postal_code="60614"), day_phone="(312) 555-0177")
    client = app.test_client()
    assert sign_in(client, "bea.otherly@example.org").status_code == 302
    add_to_cart_by_form(client, Product.get(Product.name == "Wool Rug"))
    assert checkout(client, holder="Bea Otherly",
                    details={"shipping-name": "Bea Otherly", "shipping-line1": "77 Quince Lane",
                             "shipping-city": "Chicago", "shipping-postal_code": "60614",
                             "phone": "(312) 555-0177"}).status_code == 302
    return ["Bea Otherly", "bea.otherly@example.org", "77 Quince Lane", "+13125550177",
            Order.get().number]


def sign_in_page(page, password=PASSWORD):
    page.goto("/account/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_download_my_data_then_delete_my_account(app, db, new_context, other_customer,
                                                 processor):
    page = new_context().new_page()
    register(page)
    add_to_cart(page, "Lighting", "Brass Desk Lamp")
    continue_to_payment(page)
    fill_new_card(page, APPROVED_CARD)
    review_order(page)
    page.get_by_label("Security code (CVV)").fill("123")
    number = place_order(page, "$48.45")
    ship(app, Order.get(Order.number == number), processor, make_staff("fulfilment"))

    # Download my data, from My Account.
    account_nav(page).get_by_role("link", name="My Account").click()
    page.get_by_role("link", name="Download my data").click()
    expect(heading(page)).to_have_text("Download my data")
    assert_no_serious_axe_violations(page)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download my data").click()
    download = download_info.value
    assert re.fullmatch(r"storefront-data-\d{8}\.json", download.suggested_filename)
    with open(download.path(), encoding="utf-8") as file:
        text = file.read()
    data = json.loads(text)
    items = {item["key"]: item["records"] for item in data["items"]}
    assert [order["number"] for order in items["orders"]["Order"]] == [number]
    assert {row["line1"] for row in items["addresses"]["Address"]} == {"1 Main Street"}
    assert [row["email"] for row in items["identity"]["Customer"]] == [EMAIL]
    for value in other_customer:
        assert value not in text, value
    assert AuditEvent.select().where(AuditEvent.action == AuditEvent.EXPORTED).count() == 1

    # Delete my account: the page says what goes and what stays, then asks for the password.
    page.get_by_role("link", name="Back to My Account").click()
    page.get_by_role("link", name="Delete my account").click()
    expect(heading(page)).to_have_text("Delete my account")
    expect(page.get_by_role("heading", name="What we keep, and why")).to_be_visible()
    assert_no_serious_axe_violations(page)
    page.get_by_label("Your password").fill("not the password")
    page.get_by_label("I want my account deleted").check()
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("Your password is not right.")).to_be_visible()
    expect(page.get_by_label("Your password")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("I want my account deleted").check()
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_role("status")).to_have_text(
        "Your account is deleted, and you are signed out.")
    expect(account_nav(page).get_by_role("link", name="Sign in")).to_be_visible()
    assert Customer.get(Customer.name == "Deleted customer").erased_at is not None
    assert Order.get(Order.number == number).email != EMAIL

    # The old password opens nothing, and the login page no longer remembers the address.
    page.goto("/account/login")
    expect(page.get_by_label("Email")).to_have_value("")
    sign_in_page(page)
    expect(page.get_by_text("The email or password is not right.")).to_be_visible()
    page.goto("/account/")
    expect(heading(page)).to_have_text("Sign in")
