"""Promotions in Chromium (P6): marketing staff write a promotion and its code, the home page
lists it, and a shopper who opens it buys with the code, sees the discount on the review page
and on the confirmation, and pays the discounted total; axe-core on the promotion page and
on the payment step."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from storefront.db import utcnow
from storefront.marketing.models import PromoCode
from storefront.orders.models import Order
from tests.e2e.test_accessibility import fill_checkout_details
from tests.e2e.test_checkout import heading
from tests.e2e.test_cobrand import staff_page
from tests.e2e.test_consent import assert_no_serious_axe_violations
from tests.factories import CARD_EXPIRY, make_staff

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("processor")]


def moment(days):
    return (utcnow() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def write_promotion(page):
    """Marketing staff write the promotion, then give it a 20 % code."""
    page.goto("/staff/marketing/promotions")
    page.get_by_role("link", name="Write a new promotion").click()
    page.get_by_label("Title").fill("Spring Lamps")
    page.get_by_label("Text (Markdown)").fill("# A fifth off\n\nEvery **lamp** this spring.")
    page.get_by_label("Starts (UTC)").fill(moment(-1))
    page.get_by_label("Ends (UTC)").fill(moment(14))
    page.get_by_role("button", name="Save the promotion").click()
    expect(page.get_by_text("The promotion Spring Lamps is saved.")).to_be_visible()
    codes = page.get_by_role("form", name="Add a code")
    codes.get_by_label("Code", exact=True).fill("spring20")
    codes.get_by_label("A percentage off").check()
    codes.get_by_label("Amount", exact=True).fill("20")
    codes.get_by_label("Valid from (UTC)").fill(moment(-1))
    codes.get_by_label("Expires (UTC)").fill(moment(14))
    codes.get_by_role("button", name="Add the code").click()
    expect(page.get_by_text("The code SPRING20 is saved.")).to_be_visible()
    expect(page.get_by_role("link", name="SPRING20")).to_be_visible()


def test_staff_write_a_promotion_and_a_shopper_buys_with_its_code(shop, new_context, db):
    make_staff("marketing")
    write_promotion(staff_page(new_context, "marketing@staff.example.com"))

    page = new_context().new_page()
    page.goto("/")
    promotions = page.get_by_role("region", name="Promotions")
    promotions.get_by_role("link", name="Spring Lamps").click()
    expect(heading(page)).to_have_text("Spring Lamps")
    expect(page.get_by_role("heading", level=2, name="A fifth off")).to_be_visible()
    assert_no_serious_axe_violations(page)

    fill_checkout_details(page)  # the desk lamp, a guest, then the payment step
    code_field = page.get_by_label("Promotion code (optional)")
    code_field.fill("SPRING2O")  # a letter O for the zero: refused next to the field
    page.get_by_label("Card number").fill("4111 1111 1111 1111")
    page.get_by_label("Expiry date (MM/YY)").fill(CARD_EXPIRY)
    page.get_by_label("Name on card").fill("Gus Guest")
    page.get_by_role("button", name="Review your order").click()
    expect(code_field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#promo_code-error")).to_have_text(
        re.compile("There is no such promotion code"))
    assert_no_serious_axe_violations(page)

    code_field.fill("spring20")
    page.get_by_label("Card number").fill("4111 1111 1111 1111")  # never echoed back
    page.get_by_role("button", name="Review your order").click()
    expect(heading(page)).to_have_text("Review your order")
    summary = page.get_by_role("complementary", name="Your order")
    expect(summary).to_contain_text("Promotion code SPRING20")
    expect(summary).to_contain_text("−$8.50")  # 20 % of $42.50
    expect(page.get_by_text("Promotion code SPRING20: $8.50 off the products.")).to_be_visible()
    page.get_by_label("Security code (CVV)").fill("123")
    page.get_by_role("button", name="Place order ($39.95)").click()  # 34.00 + 5.95 shipping
    expect(heading(page)).to_have_text("Thank you: your order is placed")
    expect(page.get_by_text("Promotion code SPRING20: you saved $8.50.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Brass Desk Lamp"))).to_contain_text("$34.00")

    order = Order.get()
    assert (order.promo_code, order.discount_cents, order.card_cents) == ("SPRING20", 850,
                                                                          3995)
    assert PromoCode.get().uses == 1
