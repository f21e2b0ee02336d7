"""A shopper's visit in Chromium: find a product, fill a cart, open an account, come back."""
import re

import pytest
from playwright.sync_api import expect

from storefront.accounts.models import Customer, Phone
from storefront.cart.models import Cart
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e


def heading(page):
    """The page's one h1."""
    return page.get_by_role("heading", level=1)


def flash(page):
    """The flashed messages shown after a form."""
    return page.get_by_role("status")


def account_nav(page):
    """The header's sign-in, account and cart links."""
    return page.get_by_role("navigation", name="Your account")


def expect_cart_line(page, name, quantity, total):
    """The cart page shows one line for name with its quantity and the cart's total."""
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=name))
    expect(row).to_have_count(1)
    expect(row.get_by_label(f"Quantity of {name}")).to_have_value(str(quantity))
    expect(page.get_by_role("row", name=re.compile(r"^Total"))).to_contain_text(total)


def test_shopper_finds_a_lamp_registers_signs_out_and_finds_the_cart_again(shop, page, db):
    page.goto("/")
    expect(heading(page)).to_have_text("Welcome to Storefront")
    categories = page.get_by_role("navigation", name="Categories")
    expect(categories.get_by_role("link", name="Lighting")).to_be_visible()
    expect(categories.get_by_role("link", name="Rugs")).to_be_visible()

    # Search by a word of the name.
    page.get_by_role("searchbox", name="Search products").fill("brass")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(heading(page)).to_have_text("Results for “brass”")
    results = page.get_by_role("main").get_by_role("listitem")
    expect(results).to_have_count(1)
    expect(results).to_contain_text("$42.50")
    results.get_by_role("link", name="Brass Desk Lamp").click()

    # The product page, and two lamps into the cart as a guest.
    expect(page).to_have_url(re.compile(r"/p/brass-desk-lamp$"))
    expect(heading(page)).to_have_text("Brass Desk Lamp")
    expect(page.get_by_text("A brass desk lamp with a linen shade.")).to_be_visible()
    expect(page.get_by_text("$42.50")).to_be_visible()
    expect(page.get_by_text("Available", exact=True)).to_be_visible()
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    expect(heading(page)).to_have_text("Your cart")
    expect(flash(page)).to_have_text("Added Brass Desk Lamp to your cart.")
    expect(account_nav(page).get_by_role("link", name="Cart (2)")).to_be_visible()
    expect_cart_line(page, "Brass Desk Lamp", 2, "$85.00")

    # Open an account; the guest cart becomes the account's cart.
    account_nav(page).get_by_role("link", name="Register").click()
    expect(heading(page)).to_have_text("Open an account")
    page.get_by_label("Your name").fill("Ada Shopper")
    page.get_by_label("Email", exact=True).fill("Ada.Shopper@Example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    shipping = page.get_by_role("group", name="Shipping address")
    shipping.get_by_label("Full name").fill("Ada Shopper")
    shipping.get_by_label("Address line 1").fill("1 Main Street")
    shipping.get_by_label("City").fill("Springfield")
    shipping.get_by_label("State or region (optional)").fill("IL")
    shipping.get_by_label("Postal code").fill("62701")
    expect(shipping.get_by_label("Country")).to_have_value("US")
    expect(page.get_by_label("Billing address is the same as shipping")).to_be_checked()
    page.get_by_label("Daytime phone").fill("(217) 555-0134")
    page.get_by_role("button", name="Open my account").click()

    expect(heading(page)).to_have_text("My Account")
    expect(flash(page)).to_have_text("Welcome, Ada Shopper. Your account is ready.")
    expect(page.get_by_text("Signed in as Ada.Shopper@example.com.")).to_be_visible()
    expect(page.get_by_label("Daytime phone")).to_have_value("+1 217-555-0134")
    account_nav(page).get_by_role("link", name="Cart (2)").click()
    expect_cart_line(page, "Brass Desk Lamp", 2, "$85.00")
    customer = Customer.get(Customer.email_key == "ada.shopper@example.com")
    cart = Cart.get(Cart.customer == customer)
    assert cart.visitor is None
    assert [(line.product.name, line.quantity) for line in cart.lines] == [("Brass Desk Lamp", 2)]

    # Sign out: the cart belongs to the account, not to this browser.
    account_nav(page).get_by_role("button", name="Sign out").click()
    expect(heading(page)).to_have_text("Welcome to Storefront")
    expect(flash(page)).to_have_text("You are signed out.")
    expect(account_nav(page).get_by_role("button", name="Sign out")).to_have_count(0)
    account_nav(page).get_by_role("link", name="Cart", exact=True).click()
    expect(page.get_by_text("Your cart is empty.")).to_be_visible()

    # Sign in again: the browser remembered the email, and the cart is back.
    account_nav(page).get_by_role("link", name="Sign in").click()
    expect(heading(page)).to_have_text("Sign in")
    expect(page.get_by_label("Email")).to_have_value("Ada.Shopper@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(heading(page)).to_have_text("My Account")
    expect(flash(page)).to_have_text("Welcome back, Ada Shopper.")
    account_nav(page).get_by_role("link", name="Cart (2)").click()
    expect_cart_line(page, "Brass Desk Lamp", 2, "$85.00")

    # Change the daytime phone on My Account.
    account_nav(page).get_by_role("link", name="My Account").click()
    phones = page.get_by_role("region", name="Phone numbers")
    phones.get_by_label("Daytime phone").fill("217.555.0188")
    phones.get_by_role("button", name="Save phone numbers").click()
    expect(flash(page)).to_have_text("Your changes are saved.")
    expect(page.get_by_role("region", name="Phone numbers").get_by_label("Daytime phone")) \
        .to_have_value("+1 217-555-0188")
    stored = {phone.kind: phone.number for phone in customer.phones}
    assert stored == {Phone.DAY: "+12175550188"}
