"""A shopper comes in through a partner's entry link with a referral and a banner, registers
and buys in the partner's frame; the partner's portal sees them, another partner's does not,
and the banner's conversion is counted in the report."""
import re

import pytest
from playwright.sync_api import expect

from storefront.accounts.models import Customer, StaffUser
from storefront.accounts.staff import create_staff
from storefront.orders.models import Order
from storefront.partners import service as partners
from storefront.tracking.models import Banner
from tests.e2e.test_checkout import add_to_cart, continue_to_payment, heading, register
from tests.factories import CARD_EXPIRY, STAFF_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("processor")]


def staff_page(new_context, email):
    page = new_context().new_page()
    page.goto("/staff/login")
    page.get_by_label("Staff email").fill(email)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    return page


def partner_staff(email, partner):
    member = create_staff(email, "Partner staff", ["partner"], STAFF_PASSWORD)
    StaffUser.update(partner=partner).where(StaffUser.id == member.id).execute()


@pytest.fixture
def few_enough(app):
    """Reports hide cells under k people; this test's one conversion must show."""
    original = app.config["REPORT_MIN_CELL"]
    app.config["REPORT_MIN_CELL"] = 1
    yield
    app.config["REPORT_MIN_CELL"] = original


def test_a_co_branded_visit_is_tagged_seen_by_its_partner_only_and_counted(
        shop, new_context, db, few_enough):
    riverbooks = partners.add_partner("riverbooks", "Riverbooks",
                                      "https://riverbooks.example/privacy", logo="logo.svg")
    northwind = partners.add_partner("northwind", "Northwind Outfitters",
                                     "https://northwind.example/privacy", frame="bottom")
    banner = Banner.create(partner=riverbooks, placement="Homepage strip", campaign="spring")
    partner_staff("river@partner.example.com", riverbooks)
    partner_staff("north@partner.example.com", northwind)
    create_staff("admin@staff.example.com", "Admin", ["admin"], STAFF_PASSWORD)

    page = new_context().new_page()
    page.goto(f"/co/riverbooks/?ref=newsletter&banner={banner.id}")
    frame = page.get_by_role("complementary", name="Riverbooks co-brand")
    expect(frame).to_be_visible()
    expect(frame.get_by_role("img", name="Riverbooks")).to_be_visible()
    expect(frame.get_by_role("img", name="Storefront")).to_be_visible()
    expect(frame.get_by_role("link", name="Riverbooks's privacy policy")).to_have_attribute(
        "href", "https://riverbooks.example/privacy")

    register(page)  # from the header, still inside the frame
    expect(frame).to_be_visible()
    add_to_cart(page, "Lighting", "Brass Desk Lamp")
    continue_to_payment(page)
    page.get_by_label("Card number").fill("4111 1111 1111 1111")
    page.get_by_label("Expiry date (MM/YY)").fill(CARD_EXPIRY)
    page.get_by_label("Name on card").fill("Ada Shopper")
    page.get_by_role("button", name="Review your order").click()
    page.get_by_label("Security code (CVV)").fill("123")
    page.get_by_role("button", name=re.compile("^Place order")).click()
    expect(heading(page)).to_have_text("Thank you: your order is placed")
    number = page.locator(".order-number strong").inner_text()

    customer = Customer.get(Customer.email_key == "ada.shopper@example.com")
    order = Order.get(Order.number == number)
    assert customer.partner_id == order.partner_id == riverbooks.id
    assert order.first_touch.banner_id == banner.id and order.first_touch.source == "newsletter"
    assert customer.first_touch_id == order.first_touch_id

    river = staff_page(new_context, "river@partner.example.com")
    river.goto("/partner/customers")
    expect(river.get_by_text("ada.shopper@example.com")).to_be_visible()
    river.goto("/partner/orders")
    expect(river.get_by_text(number)).to_be_visible()
    north = staff_page(new_context, "north@partner.example.com")
    north.goto("/partner/customers")
    expect(north.get_by_role("main")).not_to_contain_text("ada.shopper@example.com")
    assert north.goto(f"/partner/orders/{number}").status == 404

    admin = staff_page(new_context, "admin@staff.example.com")
    admin.goto("/staff/reports/banners")
    row = admin.get_by_role("row").filter(has_text="Homepage strip · spring")
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell")).to_have_text(["1", "1", "100.0%"])  # visitors, orders
