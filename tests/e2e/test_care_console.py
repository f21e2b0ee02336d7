"""Issue 9 in Chromium: a customer buys with a card they ask us to keep; a care associate finds
them by their phone number typed another way, sees the card as brand, first digit, last four
and expiry (its number in no page), takes a phone order with it and records an opt-out by
phone; an admin finds each of those looks in the audit log. A fulfilment user is refused the
correspondence inbox, and the customer every /care address."""
import re

import pytest
from playwright.sync_api import expect

from storefront import schema
from storefront.accounts.models import Customer
from storefront.orders.models import Order
from storefront.privacy import consent
from storefront.privacy.consent import PARTNER_OFFERS, SHOP_MARKETING
from storefront.support import service as support
from storefront.tracking.models import RequestLog
from tests.checkout.card_numbers import forms_of, visa_number
from tests.e2e.test_checkout import (EXPIRY, add_to_cart, fill_new_card, heading, place_order,
                                     review_order)
from tests.e2e.test_cobrand import staff_page
from tests.e2e.test_consent import (EMAIL, NAME, assert_no_serious_axe_violations, ledger,
                                    register_for_partner_offers_only)
from tests.factories import make_staff

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("processor")]

ASSOCIATE = "Cara Care"
TYPED_PHONE = "217.555.0134"  # registered as (217) 555-0134, kept as +12175550134


def recording(new_context, bodies):
    """new_context whose contexts keep the HTML of every page they receive in bodies."""
    def keep(response):
        if response.request.resource_type == "document" and not 300 <= response.status < 400:
            bodies.append((response.url, response.text()))

    def open_context(**options):
        context = new_context(**options)
        context.on("response", keep)
        return context
    return open_context


def buy_keeping_the_card(page, digits):
    """Register (partner offers agreed), tick the shop's offers at checkout and buy a lamp with
    a new card, saved; the order number."""
    register_for_partner_offers_only(page)
    add_to_cart(page, "Lighting", "Brass Desk Lamp")
    page.get_by_role("link", name="Check out").click()
    expect(page.get_by_role("group", name="Shipping address").get_by_label("Address line 1")) \
        .to_have_attribute("autocomplete", "address-line1")  # unlike the phone order's
    page.get_by_label("Send me the shop's offers and news").check()
    page.get_by_role("button", name="Continue to payment").click()
    fill_new_card(page, " ".join(re.findall("....", digits)), save=True)
    review_order(page)
    page.get_by_label("Security code (CVV)").fill("123")
    return place_order(page, "$48.45")


def everything():
    """Every row of every table but the request log (which notes each request, refused or
    not), to show that refused requests changed nothing."""
    return {model.__name__: sorted(map(repr, model.select().tuples()))
            for model in schema.all_models() if model is not RequestLog}


def care_requests(app, records):
    """(method, path) for every rule of the app under /care, its arguments filled from
    records (a new argument name fails here until the test gives it a record)."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/care"):
            path = rule.build({name: records[name] for name in rule.arguments},
                              append_unknown=False)[1]
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, f"{path}?customer={records['customer_id']}"


def test_care_finds_a_customer_by_phone_orders_for_them_records_an_opt_out_and_is_audited(
        app, shop, new_context, db):
    digits = visa_number()
    shopper = new_context().new_page()
    web_number = buy_keeping_the_card(shopper, digits)
    ada = Customer.get(Customer.email_key == EMAIL)
    letter = support.receive_contact(NAME, EMAIL, "Where is my lamp?", "Private words.", ada)
    associate = make_staff("care", name=ASSOCIATE)
    make_staff("admin", name="Adam Admin")
    make_staff("fulfilment")
    masked = f"Visa 4••• •••• •••• {digits[-4:]}, expires {EXPIRY}"
    seen = f"phone order for customer {ada.id}: "
    views = []  # (action, what) of each page the associate opens, oldest first
    bodies = []
    staff_context = recording(new_context, bodies)

    # Found by a phone number typed another way; the card masked on the customer page.
    care = staff_page(staff_context, associate.email)
    care.get_by_role("link", name="Customers: find a customer, phone orders").click()
    care.get_by_label("Name, email, phone number or order number").fill(TYPED_PHONE)
    care.get_by_role("button", name="Find").click()
    views.append(("Viewed", "customer search results (1 person)"))
    expect(care.get_by_role("table").get_by_role("row")).to_have_count(2)
    assert_no_serious_axe_violations(care)
    care.get_by_role("link", name=NAME).click()
    views.append(("Viewed", "customer page"))
    expect(heading(care)).to_have_text(NAME)
    expect(care.get_by_role("link", name="+1 217-555-0134")).to_be_visible()
    expect(care.get_by_role("listitem").filter(has_text=masked)).to_have_text(masked)
    expect(care.get_by_role("row", name=re.compile(web_number))).to_contain_text("web")
    assert_no_serious_axe_violations(care)

    # A phone order with the saved card: items, details, payment, review, place.
    care.get_by_role("link", name=f"Take a phone order for {NAME}").click()
    views.append(("Viewed", seen + "start"))
    expect(care.get_by_role("main")).to_contain_text(masked)
    assert_no_serious_axe_violations(care)
    care.get_by_role("button", name=f"Start the order for {NAME}").click()
    views.append(("Viewed", seen + "items"))
    care.get_by_label("Name or SKU").fill("lantern")
    care.get_by_role("button", name="Find").click()
    views.append(("Viewed", seen + "items"))
    found = care.get_by_role("table", name="Products matching lantern")
    found.get_by_label("Quantity of Paper Lantern").fill("2")
    found.get_by_role("button", name="Add").click()
    views.append(("Viewed", seen + "items"))
    expect(care.get_by_role("status")).to_have_text("Added 2 × Paper Lantern.")
    assert_no_serious_axe_violations(care)
    care.get_by_role("link", name="Continue to the details").click()
    views.append(("Viewed", seen + "details"))
    expect(heading(care)).to_have_text("Phone order: details")
    shipping = care.get_by_role("group", name="Shipping address")
    expect(shipping.get_by_label("Address line 1")).to_have_value("1 Main Street")
    typed = care.locator("main form input:not([type=hidden]):not([type=radio])"
                         ":not([type=checkbox]), main form select")
    expect(typed).to_have_count(15)  # the phone, and two addresses of 7 fields
    for box in typed.all():  # the associate's browser must not offer the associate's own
        expect(box).to_have_attribute("autocomplete", "off")
    assert_no_serious_axe_violations(care)
    care.get_by_role("button", name="Continue to payment").click()
    views.append(("Viewed", seen + "payment"))
    expect(care.get_by_role("radio", name=masked)).to_be_checked()
    assert_no_serious_axe_violations(care)
    care.get_by_role("button", name="Review the order").click()
    views.append(("Viewed", seen + "review"))
    expect(care.get_by_text(f"{masked}: $35.95")).to_be_visible()
    expect(care.get_by_label("Security code (CVV)")).to_have_count(0)  # a saved card
    assert_no_serious_axe_violations(care)
    care.get_by_role("button", name="Place order ($35.95)").click()
    expect(heading(care)).to_have_text(re.compile(r"^Order \w{4}-\w{4}$"))
    number = heading(care).inner_text().removeprefix("Order ")
    views.append(("Viewed", f"order {number}"))
    channel = care.locator("dt", has_text="Channel").locator("xpath=following-sibling::dd[1]")
    expect(channel).to_have_text(f"phone, taken by {ASSOCIATE}")
    expect(care.get_by_text(f"Card: Visa 4••• •••• •••• {digits[-4:]}")).to_be_visible()
    assert_no_serious_axe_violations(care)
    order = Order.get(Order.number == number)
    assert (order.customer_id, order.channel, order.taken_by_id, order.card_last_four) == \
        (ada.id, "phone", associate.id, digits[-4:])

    # The caller asks on the phone to stop partner offers: that one purpose only.
    care.get_by_role("link", name=NAME).click()
    views.append(("Viewed", "customer page"))
    partner_offers = consent.purpose(PARTNER_OFFERS).name
    care.get_by_role("button", name=f"Stop “{partner_offers}”").click()
    views.append(("Viewed", "customer page"))
    expect(care.get_by_role("status")).to_contain_text(
        f"Opt-out by phone recorded for {EMAIL}. Withdrawn: {partner_offers}.")
    newest = care.locator("#consent tbody").last.locator("tr").first
    expect(newest).to_contain_text(re.compile(
        rf"{re.escape(partner_offers)}\s*withdrawn\s*Telephone call with Customer Care\s*"
        rf"{ASSOCIATE}"))
    assert_no_serious_axe_violations(care)
    assert ledger(ada)[-1] == (PARTNER_OFFERS, False, "phone")
    assert consent.history(ada.id, EMAIL)[0].staff_id == associate.id
    assert consent.current(ada.id, EMAIL)[SHOP_MARKETING] is True

    # The admin's audit log: each of those looks, by the associate, at Ada.
    admin = staff_page(staff_context, "admin@staff.example.com")
    admin.get_by_role("link", name="Audit log: who looked at whose data").click()
    admin.get_by_label("Staff member").select_option(
        label=f"{ASSOCIATE} <{associate.email}>")
    admin.get_by_role("button", name="Show events").click()
    rows = admin.locator("main tbody tr")
    expect(rows).to_have_count(len(views))
    expect(rows.locator("td:nth-child(2)")).to_have_text(
        [f"{ASSOCIATE} <{associate.email}>"] * len(views))
    expect(rows.locator("td:nth-child(3)")).to_have_text([a for a, _ in reversed(views)])
    expect(rows.locator("td:nth-child(4)")).to_have_text([f"account {ada.id}, {EMAIL}"] *
                                                        len(views))
    expect(rows.locator("td:nth-child(5)")).to_have_text([w for _, w in reversed(views)])

    # Nowhere on any page staff opened is the card's number.
    assert len(bodies) >= len(views) + 4 and any(masked in html for _, html in bodies)
    for url, html in bodies:
        for form in forms_of(digits):
            assert form not in html, f"the card number ({form}) is on {url}"

    # Fulfilment has no way into the correspondence inbox.
    packer = staff_page(new_context, "fulfilment@staff.example.com")
    expect(heading(packer)).to_contain_text("Hello")
    expect(packer.get_by_role("link", name=re.compile("Correspondence"))).to_have_count(0)
    response = packer.goto("/care/inbox/")
    assert response.status == 403
    expect(heading(packer)).to_have_text("Not allowed")
    expect(packer.get_by_role("main")).not_to_contain_text("Where is my lamp?")

    # The customer, signed in, gets no /care address, even about themselves.
    token = shopper.locator("input[name=csrf_token]").first.get_attribute("value")
    form = {"csrf_token": token, "purpose": "all", "body": "Changed", "quantity": "1",
            "product_id": str(order.lines.get().product_id), "assignee": str(associate.id),
            "pay_with": "new", "cvv": "123"}
    records = {"customer_id": ada.id, "number": number, "correspondence_id": letter.id}
    before, asked = everything(), 0
    for method, path in care_requests(app, records):
        response = shopper.request.fetch(path, method=method, max_redirects=0,
                                         form=form if method == "POST" else None)
        assert (response.status, "Not allowed" in response.text()) == (403, True), \
            (method, path, response.status)
        asked += 1
    assert asked >= 20 and everything() == before
