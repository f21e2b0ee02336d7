"""The shopper's pages for everyone: axe-core finds nothing serious, they fit a phone's
screen, and the catalogue and the cart work with JavaScript turned off."""
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect
from tests.factories import CARD_EXPIRY

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("processor")]

SERIOUS = ("serious", "critical")
PHONE = {"width": 375, "height": 740}


def open_cart_with_an_item(page):
    """Put a lamp in this browser's cart; the page ends on the cart."""
    page.goto("/p/brass-desk-lamp")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your cart")
    expect(page.get_by_role("link", name="Brass Desk Lamp")).to_be_visible()


def open_register_with_errors(page):
    """The registration form sent empty: every required field carries its message."""
    page.goto("/account/register")
    page.get_by_role("button", name="Open my account").click()
    expect(page.get_by_text("Enter your email address.")).to_be_visible()


def open_checkout_details(page):
    """The lamp in the cart, then the first checkout step."""
    open_cart_with_an_item(page)
    page.get_by_role("link", name="Check out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Checkout")


def open_checkout_details_with_errors(page):
    open_checkout_details(page)
    page.get_by_role("button", name="Continue to payment").click()
    expect(page.get_by_text("Enter your email address.")).to_be_visible()


def fill_checkout_details(page):
    open_checkout_details(page)
    page.get_by_label("Email").fill("guest@example.com")
    page.get_by_label("Phone").fill("(217) 555-0199")
    shipping = page.get_by_role("group", name="Shipping address")
    shipping.get_by_label("Full name").fill("Gus Guest")
    shipping.get_by_label("Address line 1").fill("2 Elm Street")
    shipping.get_by_label("City").fill("Springfield")
    shipping.get_by_label("Postal code").fill("62702")
    page.get_by_role("button", name="Continue to payment").click()
    expect(page.get_by_label("Card number")).to_be_visible()


def open_payment_with_errors(page):
    fill_checkout_details(page)
    page.get_by_label("Card number").fill("4111 1111 1111 1112")
    page.get_by_role("button", name="Review your order").click()
    expect(page.get_by_text("Enter the name as printed on the card.")).to_be_visible()


def open_review(page):
    fill_checkout_details(page)
    page.get_by_label("Card number").fill("4111 1111 1111 1111")
    page.get_by_label("Expiry date (MM/YY)").fill(CARD_EXPIRY)
    page.get_by_label("Name on card").fill("Gus Guest")
    page.get_by_role("button", name="Review your order").click()
    expect(page.get_by_label("Security code (CVV)")).to_be_visible()


def open_confirmation(page):
    open_review(page)
    page.get_by_label("Security code (CVV)").fill("123")
    page.get_by_role("button", name=re.compile("^Place order")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: your order is placed")


# Each shopper's page, and how to reach it with something to show.
PAGES = {
    "home": lambda page: page.goto("/"),
    "category": lambda page: page.goto("/c/lighting"),
    "product": lambda page: page.goto("/p/brass-desk-lamp"),
    "cart": open_cart_with_an_item,
    "register": lambda page: page.goto("/account/register"),
    "register-with-errors": open_register_with_errors,
    "login": lambda page: page.goto("/account/login"),
    "checkout-details": open_checkout_details,
    "checkout-details-with-errors": open_checkout_details_with_errors,
    "checkout-payment-with-errors": open_payment_with_errors,
    "checkout-review": open_review,
    "order-confirmation": open_confirmation,
    "gift-cards": lambda page: page.goto("/gift-cards/"),
    "gift-card-balance": lambda page: page.goto("/gift-cards/balance"),
}


def describe(violations):
    """One line per violation and per element, for the assertion message."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {' '.join(map(str, node['target']))}: "
                         f"{node.get('failureSummary', '').replace(chr(10), ' ')}")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def axe():
    """axe-core, injected into each page by page.evaluate (the site's CSP does not apply)."""
    return Axe()


@pytest.mark.parametrize("name", PAGES)
def test_no_serious_axe_violations(shop, page, axe, name):
    PAGES[name](page)
    results = axe.run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in SERIOUS]
    assert not serious, f"axe-core on the {name} page ({page.url}):\n{describe(serious)}"


@pytest.mark.parametrize("name", PAGES)
def test_fits_a_phone_screen_without_scrolling_sideways(shop, new_context, name):
    page = new_context(viewport=PHONE).new_page()
    PAGES[name](page)
    fits = "() => document.scrollingElement.scrollWidth <= window.innerWidth"
    try:  # a page still laying out (pictures, fonts) may be wider for a moment
        page.wait_for_function(fits, timeout=5_000)
    except PlaywrightTimeoutError:
        widths = page.evaluate(
            "() => [document.scrollingElement.scrollWidth, window.innerWidth]")
        pytest.fail(f"the {name} page is {widths[0]}px wide on a {widths[1]}px screen")


def test_shopping_works_without_javascript(shop, new_context):
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/")
    page.get_by_role("navigation", name="Categories").get_by_role("link", name="Lighting").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("Lighting")
    products = page.get_by_role("main").get_by_role("listitem").get_by_role("link")
    expect(products).to_have_count(5)

    # Sort with the form's own button.
    page.get_by_label("Sort by").select_option(label="Price: low to high")
    page.get_by_role("button", name="Sort").click()
    expect(page).to_have_url(re.compile(r"/c/lighting\?sort=price$"))
    expect(page.get_by_label("Sort by")).to_have_value("price")
    expect(products).to_have_text(["Paper Lantern", "Oil Lamp", "Glass Sconce",
                                   "Brass Desk Lamp", "Copper Pendant"])

    page.get_by_role("searchbox", name="Search products").fill("lamp")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(heading).to_have_text("Results for “lamp”")
    expect(products).to_have_count(2)
    expect(products.filter(has_text="Oil Lamp")).to_have_count(1)
    products.filter(has_text="Brass Desk Lamp").click()

    expect(heading).to_have_text("Brass Desk Lamp")
    page.get_by_label("Quantity").fill("3")
    page.get_by_role("button", name="Add to cart").click()
    expect(heading).to_have_text("Your cart")
    expect(page.get_by_role("status")).to_have_text("Added Brass Desk Lamp to your cart.")
    expect(page.get_by_label("Quantity of Brass Desk Lamp")).to_have_value("3")
    expect(page.get_by_role("row", name=re.compile(r"^Total"))).to_contain_text("$127.50")


def test_checkout_works_without_javascript(shop, new_context, db):
    page = new_context(java_script_enabled=False).new_page()
    open_confirmation(page)
    expect(page.get_by_text(re.compile(r"Order number [A-Z2-9]{4}-[A-Z2-9]{4}"))).to_be_visible()
