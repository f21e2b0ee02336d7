"""Issue 8 in Chromium: a visitor asks for the printed catalogue and for mail (the ledger
names the catalogue request form), enters a contest and is refused a second entry with the
same address in other letters; once the contest is over a marketing staff member draws the
winner on the staff page and the winner's mail arrives over SMTP."""
import threading
from datetime import timedelta

import pytest
import time_machine
from playwright.sync_api import expect

from storefront.db import utcnow
from storefront.mail import delivery
from storefront.marketing.models import CatalogueRequest, Contest, ContestDraw, ContestEntry
from storefront.privacy import consent
from tests.e2e.test_checkout import heading
from tests.e2e.test_cobrand import staff_page
from tests.e2e.test_consent import assert_no_serious_axe_violations
from tests.e2e.test_fulfilment import body
from tests.factories import make_staff

pytestmark = pytest.mark.e2e

EMAIL = "ada.shopper@example.com"


def request_the_catalogue(page):
    page.goto("/")
    page.get_by_role("link", name="Request our catalogue").click()
    expect(heading(page)).to_have_text("Request our catalogue")
    assert_no_serious_axe_violations(page)
    page.get_by_label("Full name").fill("Ada Shopper")
    page.get_by_label("Address line 1").fill("1 Main Street")
    page.get_by_label("City").fill("Springfield")
    page.get_by_label("Postal code").fill("62701")
    page.get_by_label("Email (optional)").fill(EMAIL)
    page.get_by_label("Send me the shop's offers and news").check()
    page.get_by_role("button", name="Send me the catalogue").click()
    expect(heading(page)).to_have_text("Catalogue requested")
    expect(page.get_by_role("status")).to_contain_text("your catalogue will be posted")


def enter_the_contest(page, email):
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Zip code").fill("62701")
    page.get_by_label("Your age (optional)").select_option(label="35 to 44")
    page.get_by_role("button", name="Enter the contest").click()


def test_catalogue_request_contest_entry_draw_and_winner_mail(
        app, db, new_context, smtp_sink):
    make_staff("marketing")
    now = utcnow()
    contest = Contest.create(
        title="Spring lamp draw", slug="spring-lamps", starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(hours=1), winners=1, zip_code=Contest.REQUIRED,
        income_band=Contest.OFF, prizes="A brass desk lamp",
        rules="## Who may enter\n\nAnyone aged 18 or over, once.")

    visitor = new_context().new_page()
    request_the_catalogue(visitor)
    assert CatalogueRequest.get().address_key == "1 MAIN STREET||62701|US"
    assert [(e.purpose, e.given, e.channel) for e in consent.history(None, EMAIL)] == \
        [(consent.SHOP_MARKETING, True, "catalogue_request")]

    visitor.get_by_role("link", name="Contests").click()
    visitor.get_by_role("link", name="Spring lamp draw").click()
    expect(heading(visitor)).to_have_text("Spring lamp draw")
    expect(visitor.get_by_role("heading", name="Who may enter", level=3)).to_be_visible()
    assert_no_serious_axe_violations(visitor)
    enter_the_contest(visitor, "Ada.Shopper@Example.com")
    expect(visitor.get_by_role("status")).to_have_text(
        "You are in the draw. If you win, we will tell you by email.")
    enter_the_contest(visitor, EMAIL.upper())
    email_field = visitor.get_by_label("Email", exact=True)
    expect(email_field).to_have_attribute("aria-invalid", "true")
    expect(visitor.locator("#email-error")).to_have_text(
        "This email address has already entered this contest: one entry each.")
    assert_no_serious_axe_violations(visitor)
    [entry] = ContestEntry.select()
    assert (entry.email_key, entry.zip_code, entry.age_band) == (EMAIL, "62701", "35-44")

    # The live server runs in this process: moving the clock moves it for the shop too.
    with time_machine.travel(contest.ends_at + timedelta(minutes=5)):
        staff = staff_page(new_context, "marketing@staff.example.com")
        staff.goto("/staff/marketing/contests")
        staff.get_by_role("link", name="Spring lamp draw").click()
        expect(heading(staff)).to_have_text("Spring lamp draw")
        assert_no_serious_axe_violations(staff)
        staff.get_by_role("button", name="Draw winners").click()
        expect(staff.get_by_role("status")).to_have_text("1 winner is drawn and told by email.")
        winners = staff.get_by_role("table", name="Winners, told by email")
        expect(winners.get_by_role("row")).to_have_count(2)
        expect(winners).to_contain_text("Ada.Shopper@example.com")
        expect(staff.get_by_role("button", name="Draw winners")).to_have_count(0)
        assert_no_serious_axe_violations(staff)
        # The mail is due at the moved clock's time, which a worker process does not share:
        # the worker's delivery runs here, in the moved time.
        with app.app_context():
            delivery.run(delivery.Settings.for_app(app), threading.Event(), once=True)
    draw = ContestDraw.get()
    assert (draw.eligible, draw.winners) == (f"[{entry.id}]", f"[{entry.id}]")

    received = {message["Subject"]: message for message in smtp_sink.messages()}
    assert sorted(received) == ["You asked for mail from us", "You won: Spring lamp draw"]
    won = received["You won: Spring lamp draw"]
    assert won["To"] == "Ada.Shopper@example.com"
    assert "A brass desk lamp" in body(won)
