"""Fresh login in Chromium: a customer signs in with "keep me signed in", closes the browser
(its session cookie goes, the remember cookie stays) and comes back still signed in; placing
an order, opening the saved cards, asking for a new email address, opening the link that
confirms it and changing the password then ask for the password first, and after it nothing
chosen has to be entered again."""
import re
from datetime import date

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from storefront.accounts.models import Customer
from storefront.mail.models import OutboxMessage
from storefront.orders.models import Order
from storefront.payments.models import SavedCard
from tests.factories import APPROVED_CARD, PASSWORD, make_customer

pytestmark = pytest.mark.e2e

EXPIRY = f"12/{(date.today().year + 3) % 100:02d}"
SAVED_VISA = f"Visa 4••• •••• •••• 1111, expires {EXPIRY}"
NEW_PASSWORD = "a quite different secret"
PLACE_ORDER = re.compile(r"^Place order \(")


def heading(page):
    return page.get_by_role("heading", level=1)


def close_the_browser(context):
    """What closing the browser does to cookies: the session cookie is gone, the remember
    cookie (it has an expiry date) stays."""
    context.clear_cookies(name="sf_session")
    assert {cookie["name"] for cookie in context.cookies()} >= {"sf_remember"}
    assert "sf_session" not in {cookie["name"] for cookie in context.cookies()}


def buy(page, name):
    """Put the product in the cart and go through the details step (filled in from the
    account) to the payment step."""
    page.goto("/")
    page.get_by_role("navigation", name="Categories").get_by_role("link", name="Lighting").click()
    page.get_by_role("main").get_by_role("link", name=name).click()
    page.get_by_role("button", name="Add to cart").click()
    expect(heading(page)).to_have_text("Your cart")
    page.get_by_role("link", name="Check out").click()
    expect(heading(page)).to_have_text("Checkout")
    page.get_by_role("button", name="Continue to payment").click()
    expect(page.get_by_role("group", name="Pay with")).to_be_visible()


def review(page):
    page.get_by_role("button", name="Review your order").click()
    expect(heading(page)).to_have_text("Review your order")


def no_serious_axe_violations(page):
    violations = Axe().run(page).response["violations"]
    assert [v["id"] for v in violations if v["impact"] in ("serious", "critical")] == []


def placed(page):
    expect(heading(page)).to_have_text("Thank you: your order is placed")


def test_a_remembered_browser_asks_for_the_password_before_orders_cards_and_changes(
        shop, new_context, db, processor):
    make_customer()
    context = new_context()
    page = context.new_page()
    page.goto("/account/login")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Keep me signed in on this browser (30 days)").check()
    page.get_by_role("button", name="Sign in").click()
    expect(heading(page)).to_have_text("My Account")

    # Just signed in: the password was typed, so the order is placed without it.
    buy(page, "Brass Desk Lamp")
    page.get_by_role("radio", name="A new card").check()
    page.get_by_label("Card number").fill(APPROVED_CARD)
    page.get_by_label("Expiry date (MM/YY)").fill(EXPIRY)
    page.get_by_label("Name on card").fill("Ada Shopper")
    page.get_by_label("Save this card for next time").check()
    review(page)
    expect(page.get_by_label("Your password")).to_have_count(0)
    page.get_by_label("Security code (CVV)").fill("123")
    page.get_by_role("button", name=PLACE_ORDER).click()
    placed(page)

    # The next day: the browser was closed, and it kept Ada signed in.
    close_the_browser(context)
    page.goto("/")
    expect(page.get_by_role("navigation", name="Your account")
           .get_by_role("link", name="My Account")).to_be_visible()
    buy(page, "Paper Lantern")
    expect(page.get_by_role("radio", name=SAVED_VISA)).to_be_checked()
    review(page)
    password = page.get_by_label("Your password")
    expect(password).to_be_visible()
    page.get_by_role("button", name=PLACE_ORDER).click()
    expect(heading(page)).to_have_text("Review your order")
    expect(page.get_by_text("Enter your password.")).to_be_visible()
    no_serious_axe_violations(page)
    assert Order.select().count() == 1
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name=PLACE_ORDER).click()
    placed(page)
    order = Order.select().order_by(Order.id.desc()).first()
    assert Order.select().count() == 2 and order.card_last_four == "1111"
    assert order.customer_id == Customer.get().id

    # Saved cards: the password first, then straight back to the cards.
    close_the_browser(context)
    page.goto("/account/")
    page.get_by_role("link", name="Saved cards").click()
    expect(heading(page)).to_have_text("Confirm your password")
    page.get_by_label("Your password").fill("not my password")
    page.get_by_role("button", name="Confirm and go on").click()
    expect(page.get_by_text("Your password is not right.")).to_be_visible()
    no_serious_axe_violations(page)
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm and go on").click()
    expect(heading(page)).to_have_text("Saved cards")
    page.get_by_role("button", name=f"Remove {SAVED_VISA}").click()
    expect(page.get_by_role("status")).to_have_text("The card was removed from your account.")
    assert SavedCard.select().count() == 0

    # The email address and the password: their forms ask for the password every time.
    close_the_browser(context)
    page.goto("/account/")
    page.get_by_label("New email address").fill("ada.lovelace@example.org")
    page.get_by_role("button", name="Change email address").click()
    expect(page.get_by_text("Enter your password.")).to_be_visible()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Change email address").click()
    expect(page.get_by_role("status")).to_contain_text(
        "We sent a link to ada.lovelace@example.org.")
    expect(page.get_by_text("Signed in as ada@example.com.")).to_be_visible()
    # The link in that mail, opened after the browser was closed again: the password first.
    mail = OutboxMessage.get(OutboxMessage.recipient == "ada.lovelace@example.org")
    link = re.search(r"/account/email/confirm/[\w.-]+", mail.body_text).group(0)
    close_the_browser(context)
    page.goto(link)
    expect(heading(page)).to_have_text("Confirm your password")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm and go on").click()
    expect(heading(page)).to_have_text("Confirm your new email address")
    no_serious_axe_violations(page)
    assert Customer.get().email == "ada@example.com"
    page.get_by_role("button", name="Use ada.lovelace@example.org").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Your email address is now ada.lovelace@example.org.")
    close_the_browser(context)
    page.goto("/account/")
    page.get_by_label("Current password").fill("not my password")
    page.get_by_label("New password (at least 8 characters)").fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your current password is not right.")).to_be_visible()
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password (at least 8 characters)").fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(heading(page)).to_have_text("Sign in")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(heading(page)).to_have_text("My Account")
    expect(page.get_by_text("Signed in as ada.lovelace@example.org.")).to_be_visible()
