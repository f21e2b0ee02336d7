"""A customer's checkouts in Chromium, against the sandbox processor running as its own process:
a card saved and paid with again, a gift card bought and spent, a declined card, the payment
company out of reach, and the orders in My Account."""
import re
from datetime import date

import pytest
from playwright.sync_api import expect

from storefront.mail.models import OutboxMessage
from storefront.orders.models import Order
from tests.factories import APPROVED_CARD, DECLINED_CARD, PASSWORD

pytestmark = pytest.mark.e2e

OTHER_APPROVED_CARD = "5555 5555 5555 4444"
EXPIRY_YEAR = (date.today().year + 3) % 100
EXPIRY = f"12/{EXPIRY_YEAR:02d}"
VISA = "Visa 4••• •••• •••• 1111"  # all the shop shows of the approving test card
SAVED_VISA = f"{VISA}, expires {EXPIRY}"
ORDER_NUMBER = re.compile(r"^Order number ([A-HJKMNP-TV-Z2-9]{4}-[A-HJKMNP-TV-Z2-9]{4})$")
GIFT_CARD_CODE = re.compile(r"\b[A-HJKMNP-TV-Z2-9]{4}(?:-[A-HJKMNP-TV-Z2-9]{4}){3}\b")


def heading(page):
    """The page's one h1."""
    return page.get_by_role("heading", level=1)


def account_nav(page):
    """The header's sign-in, account and cart links."""
    return page.get_by_role("navigation", name="Your account")


def register(page):
    """Open an account from the header's Register link, billing the same as shipping."""
    page.goto("/")
    account_nav(page).get_by_role("link", name="Register").click()
    expect(heading(page)).to_have_text("Open an account")
    page.get_by_label("Your name").fill("Ada Shopper")
    page.get_by_label("Email", exact=True).fill("ada.shopper@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    shipping = page.get_by_role("group", name="Shipping address")
    shipping.get_by_label("Full name").fill("Ada Shopper")
    shipping.get_by_label("Address line 1").fill("1 Main Street")
    shipping.get_by_label("City").fill("Springfield")
    shipping.get_by_label("State or region (optional)").fill("IL")
    shipping.get_by_label("Postal code").fill("62701")
    page.get_by_label("Daytime phone").fill("(217) 555-0134")
    page.get_by_role("button", name="Open my account").click()
    expect(heading(page)).to_have_text("My Account")


def add_to_cart(page, category, name, quantity=1):
    """Find the product through its category, put quantity of it in the cart; ends on the cart."""
    page.get_by_role("navigation", name="Categories").get_by_role("link", name=category).click()
    page.get_by_role("main").get_by_role("link", name=name).click()
    expect(heading(page)).to_have_text(name)
    page.get_by_label("Quantity").fill(str(quantity))
    page.get_by_role("button", name="Add to cart").click()
    expect(heading(page)).to_have_text("Your cart")


def expect_cart(page, lines):
    """The cart page lists exactly these (name, quantity) lines."""
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(len(lines) + 2)
    for name, quantity in lines:
        expect(page.get_by_label(f"Quantity of {name}")).to_have_value(str(quantity))


def continue_to_payment(page):
    """From the cart, through the details step (already filled from the account)."""
    page.get_by_role("link", name="Check out").click()
    expect(heading(page)).to_have_text("Checkout")
    expect(page.get_by_text("Signed in as ada.shopper@example.com.")).to_be_visible()
    page.get_by_role("button", name="Continue to payment").click()
    expect(page.get_by_role("group", name="Pay with")).to_be_visible()


def fill_new_card(page, number, holder="Ada Shopper", save=False):
    """Choose 'A new card' and type it in."""
    page.get_by_role("radio", name="A new card").check()
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiry date (MM/YY)").fill(EXPIRY)
    page.get_by_label("Name on card").fill(holder)
    if save:
        page.get_by_label("Save this card for next time").check()


def review_order(page):
    """Leave the payment step for the review page."""
    page.get_by_role("button", name="Review your order").click()
    expect(heading(page)).to_have_text("Review your order")


def place_order(page, amount):
    """Click 'Place order ($…)'; the confirmation's order number."""
    page.get_by_role("button", name=f"Place order ({amount})").click()
    expect(heading(page)).to_have_text("Thank you: your order is placed")
    number = page.get_by_text(ORDER_NUMBER)
    expect(number).to_be_visible()
    return ORDER_NUMBER.match(number.inner_text()).group(1)


def expect_paid(page, *rows):
    """The confirmation's order table ends with these (label, amount) payment rows."""
    for label, amount in rows:
        row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=label))
        expect(row).to_have_text(re.compile(rf"{re.escape(label)}\s*{re.escape(amount)}$"))


def test_customer_saves_a_card_spends_a_gift_card_and_survives_a_decline_and_an_outage(
        shop, page, db, processor):
    register(page)

    # 1. Two products, paid with a new card the customer asks us to keep.
    add_to_cart(page, "Lighting", "Brass Desk Lamp")
    add_to_cart(page, "Lighting", "Paper Lantern")
    continue_to_payment(page)
    fill_new_card(page, APPROVED_CARD, save=True)
    review_order(page)
    expect(page.get_by_text("Visa 4••• •••• •••• 1111, expires")).to_have_text(
        f"{SAVED_VISA}: $63.45")
    page.get_by_label("Security code (CVV)").fill("123")
    first = place_order(page, "$63.45")
    expect(page.get_by_role("row").filter(has_text="Brass Desk Lamp")).to_contain_text("$42.50")
    expect(page.get_by_role("row").filter(has_text="Paper Lantern")).to_contain_text("$15.00")
    expect_paid(page, ("Shipping", "$5.95"), (f"Paid by {VISA}", "$63.45"))

    # 2. Again, with the saved card: masked everywhere, and no security code asked.
    page.get_by_role("link", name="Continue shopping").click()
    add_to_cart(page, "Lighting", "Paper Lantern", 2)
    continue_to_payment(page)
    saved = page.get_by_role("radio", name=SAVED_VISA)
    expect(saved).to_be_checked()
    for hidden in (APPROVED_CARD, APPROVED_CARD.replace(" ", "")):
        assert hidden not in page.content()
    review_order(page)
    expect(page.get_by_text(f"{SAVED_VISA}: $35.95")).to_be_visible()
    expect(page.get_by_label("Security code (CVV)")).to_have_count(0)
    assert APPROVED_CARD.replace(" ", "") not in page.content()
    second = place_order(page, "$35.95")

    # 3a. A $50 gift card, paid with the saved card.
    page.get_by_role("contentinfo").get_by_role("link", name="Gift cards", exact=True).click()
    expect(heading(page)).to_have_text("Buy a gift card")
    page.get_by_role("radio", name="$50.00").check()
    page.get_by_label("Recipient's name").fill("Grace Hopper")
    page.get_by_label("Recipient's email").fill("grace@example.com")
    page.get_by_label("From").fill("Ada")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("status")).to_have_text(
        "Added a $50.00 gift card for Grace Hopper to your cart.")
    continue_to_payment(page)
    expect(page.get_by_role("radio", name=SAVED_VISA)).to_be_checked()
    review_order(page)
    gift_order = place_order(page, "$50.00")
    expect(page.get_by_role("row").filter(has_text="Gift card for Grace Hopper")) \
        .to_contain_text("Sent by email")
    # No mail worker delivers the outbox yet: read the code where the mail waits to be sent.
    mail = OutboxMessage.get(OutboxMessage.category == "gift_card")
    assert mail.recipient == "grace@example.com"
    code = GIFT_CARD_CODE.search(mail.body_text).group(0)

    # 3b. A $120 rug: the gift card pays $50, the saved card the other $70.
    page.get_by_role("link", name="Continue shopping").click()
    add_to_cart(page, "Rugs", "Wool Rug")
    continue_to_payment(page)
    page.get_by_label("Gift card code (optional)").fill(code.lower())
    review_order(page)
    expect(page.get_by_text(f"Gift card ending {code[-4:]}: $50.00")).to_be_visible()
    expect(page.get_by_text(f"{SAVED_VISA}: $70.00")).to_be_visible()
    summary = page.get_by_role("complementary", name="Your order")
    expect(summary).to_contain_text(re.compile(r"Total\s*\$120\.00\s*To pay by card\s*\$70\.00"))
    split = place_order(page, "$70.00")
    expect_paid(page, ("Shipping", "free"), ("Paid by gift card", "−$50.00"),
                (f"Paid by {VISA}", "$70.00"))
    order = Order.get(Order.number == split)
    assert (order.total_cents, order.gift_card_cents, order.card_cents) == (12000, 5000, 7000)

    # 4. A declined card: the reason on the review page, no order; another card works.
    page.get_by_role("link", name="Continue shopping").click()
    add_to_cart(page, "Lighting", "Brass Desk Lamp")
    continue_to_payment(page)
    fill_new_card(page, DECLINED_CARD)
    review_order(page)
    page.get_by_label("Security code (CVV)").fill("123")
    page.get_by_role("button", name="Place order ($48.45)").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Your card was declined. Please use another card.")
    expect(heading(page)).to_have_text("Review your order")
    assert Order.select().count() == 4
    page.get_by_role("link", name="Change the payment").click()
    fill_new_card(page, OTHER_APPROVED_CARD)
    review_order(page)
    page.get_by_label("Security code (CVV)").fill("123")
    after_decline = place_order(page, "$48.45")
    expect_paid(page, ("Paid by Mastercard 5••• •••• •••• 4444", "$48.45"))

    # 5. The payment company out of reach between the review and "Place order".
    page.get_by_role("link", name="Continue shopping").click()
    add_to_cart(page, "Lighting", "Paper Lantern", 3)
    add_to_cart(page, "Rugs", "Wool Rug")
    continue_to_payment(page)
    review_order(page)
    processor.stop()
    try:
        page.get_by_role("button", name="Place order ($165.00)").click()
        expect(page.get_by_role("alert")).to_contain_text(
            "We could not reach our payment company, so nothing was charged.")
        expect(heading(page)).to_have_text("Review your order")
    finally:
        processor.start()
    assert Order.select().count() == 5
    account_nav(page).get_by_role("link", name="Cart (4)").click()
    expect_cart(page, [("Paper Lantern", 3), ("Wool Rug", 1)])

    # 6. My Account: every order with its lines and their status.
    account_nav(page).get_by_role("link", name="My Account").click()
    page.get_by_role("navigation", name="More of your account") \
        .get_by_role("link", name="Your orders").click()
    expect(heading(page)).to_have_text("Your orders")
    expected = {
        first: ["1 × Brass Desk Lamp: Being prepared", "1 × Paper Lantern: Being prepared"],
        second: ["2 × Paper Lantern: Being prepared"],
        gift_order: ["1 × Gift card for Grace Hopper: Sent by email"],
        split: ["1 × Wool Rug: Being prepared"],
        after_decline: ["1 × Brass Desk Lamp: Being prepared"],
    }
    expect(page.get_by_role("main").get_by_role("region")).to_have_count(len(expected))
    for number, lines in expected.items():
        order_section = page.get_by_role("region", name=f"Order {number}")
        expect(order_section.get_by_role("listitem")).to_have_text(lines)
