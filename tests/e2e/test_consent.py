"""Issue 6 in Chromium: a customer who asked for partner offers only gets one, stops it with
the mail's one-click link (no login, no cookies), opts in and out in My Account and through
the public opt-out form, and the consent ledger names every path with its channel."""
import html
import http.client
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from storefront.accounts.models import Customer
from storefront.db import utcnow
from storefront.privacy import consent, mailing
from storefront.privacy.consent import PARTNER_OFFERS, SHOP_MARKETING, SITE_UPDATES
from tests.e2e.test_accessibility import SERIOUS, describe
from tests.e2e.test_checkout import heading
from tests.e2e.test_fulfilment import body, run_mail_worker
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

NAME = "Ada Shopper"
EMAIL = "ada.shopper@example.com"
OFFER_SUBJECT = "Riverbooks: a book for every reader"
NOTICE_SUBJECT = "You will get no more of this mail from us"
WELCOME_SUBJECT = "You asked for mail from us"


def register_for_partner_offers_only(page):
    """Open an account, leaving the shop's offers unticked and ticking partner offers."""
    page.goto("/account/register")
    page.get_by_label("Your name").fill(NAME)
    page.get_by_label("Email", exact=True).fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    shipping = page.get_by_role("group", name="Shipping address")
    shipping.get_by_label("Full name").fill(NAME)
    shipping.get_by_label("Address line 1").fill("1 Main Street")
    shipping.get_by_label("City").fill("Springfield")
    shipping.get_by_label("Postal code").fill("62701")
    page.get_by_label("Daytime phone").fill("(217) 555-0134")
    shop_box = page.get_by_label("Send me the shop's offers and news")
    partner_box = page.get_by_label("Send me offers from the shop's partners")
    expect(shop_box).not_to_be_checked()
    expect(partner_box).not_to_be_checked()
    partner_box.check()
    page.get_by_role("button", name="Open my account").click()
    expect(heading(page)).to_have_text("My Account")


def mail_client(live_server, method, path, form=None):
    """A request the way a mail client makes one: no cookies, no redirect followed.
    (status, Location header, body)."""
    address = urlsplit(live_server)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if form else {}
    try:
        connection.request(method, path, body=form, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("Location"), response.read().decode()
    finally:
        connection.close()


def shop_path(link, shop_url, prefix):
    """The path of a link in a mail, after checking it points at SHOP_URL + prefix."""
    assert re.fullmatch(re.escape(shop_url + prefix) + r"[\w.-]+", link), link
    return urlsplit(link).path


def assert_no_serious_axe_violations(page):
    serious = [v for v in Axe().run(page).response["violations"] if v["impact"] in SERIOUS]
    assert not serious, f"axe-core on {page.url}:\n{describe(serious)}"


def ledger(customer):
    """The person's consent events, oldest first, as (purpose, given, channel)."""
    return [(event.purpose, event.given, event.channel)
            for event in reversed(consent.history(customer.id, customer.email))]


def test_every_opt_out_path_works_and_ends_in_the_ledger(
        app, db, new_context, live_server, smtp_sink, database_url):
    shop_url = app.config["SHOP_URL"]
    page = new_context().new_page()
    register_for_partner_offers_only(page)
    customer = Customer.get(Customer.email_key == EMAIL)
    assert ledger(customer) == [(PARTNER_OFFERS, True, "registration")]

    # A partner offer is queued and delivered; the shop's own offers are not even queued.
    with app.app_context():
        news = mailing.enqueue_marketing(
            EMAIL, SHOP_MARKETING, "shop_news", "News from the shop", "partner_offer",
            customer=customer, title="New lamps", offer="Our spring lamps are in.")
        offer = mailing.enqueue_marketing(
            EMAIL, PARTNER_OFFERS, "partner_offer", OFFER_SUBJECT, "partner_offer",
            customer=customer, title="A book for every reader",
            offer="Riverbooks takes 20% off any novel this month.")
    assert news is None and offer is not None
    run_mail_worker(database_url, smtp_sink)
    received = {message["Subject"]: message for message in smtp_sink.messages()}
    assert smtp_sink.count() == 2
    assert sorted(received) == sorted([WELCOME_SUBJECT, OFFER_SUBJECT])
    assert {message["To"] for message in received.values()} == {EMAIL}
    # The note that registration asked for mail names partner offers only, with a way out.
    welcome = body(received[WELCOME_SUBJECT])
    assert "- Partner offers." in welcome and "shop's offers" not in welcome
    assert re.search(re.escape(shop_url) + r"/unsubscribe/[\w.-]+", welcome)
    offer_mail = received[OFFER_SUBJECT]
    assert "Riverbooks takes 20% off any novel this month." in body(offer_mail)
    link = re.fullmatch(r"<(.+)>", offer_mail["List-Unsubscribe"]).group(1)
    assert offer_mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in body(offer_mail)
    assert f'href="{link}"' in offer_mail.get_body(preferencelist=("html",)).get_content()
    unsubscribe = shop_path(link, shop_url, "/unsubscribe/")

    # Opening the link (a mail scanner does) changes nothing.
    status, _, text = mail_client(live_server, "GET", unsubscribe)
    assert status == 200 and "Stop this mail from us: partner offers?" in text
    reader = new_context().new_page()
    reader.goto(unsubscribe)
    expect(heading(reader)).to_have_text("Unsubscribe")
    assert_no_serious_axe_violations(reader)
    assert consent.current(customer.id, EMAIL)[PARTNER_OFFERS] is True

    # A forged or an expired link is refused and says nothing of whom it was made for.
    token = unsubscribe.rsplit("/", 1)[1]
    forged = token[:-8] + ("B" if token[-8] == "A" else "A") + token[-7:]
    too_old = utcnow() - timedelta(days=app.config["UNSUBSCRIBE_LINK_DAYS"] + 1)
    with time_machine.travel(too_old, tick=False), app.app_context():
        expired = mailing.make_token([PARTNER_OFFERS], customer.id, EMAIL)
    for bad, reason in ((forged, "This link is not one we sent."),
                        (expired, "This link is too old to use.")):
        for method in ("GET", "POST"):
            status, _, text = mail_client(live_server, method, f"/unsubscribe/{bad}",
                                          "List-Unsubscribe=One-Click")
            assert status == 400 and reason in text, (method, bad)
            assert EMAIL not in text and "Ada" not in text and "Shopper" not in text
    assert ledger(customer) == [(PARTNER_OFFERS, True, "registration")]

    # RFC 8058 one click: a cookieless POST is answered with a page, not a redirect.
    status, location, text = mail_client(live_server, "POST", unsubscribe,
                                         "List-Unsubscribe=One-Click")
    assert (status, location) == (200, None) and "You are unsubscribed" in text
    assert consent.current(customer.id, EMAIL) == {SHOP_MARKETING: False,
                                                   PARTNER_OFFERS: False,
                                                   SITE_UPDATES: False}

    # My Account shows the withdrawal; opt back in there, then out of partner offers.
    page.get_by_role("link", name="Communication preferences").click()
    expect(heading(page)).to_have_text("Communication preferences")
    shop_box = page.get_by_label("Send me the shop's offers and news")
    partner_box = page.get_by_label("Send me offers from the shop's partners")
    expect(partner_box).not_to_be_checked()
    expect(page.get_by_role("row", name=re.compile("Link in an email"))).to_have_count(1)
    assert_no_serious_axe_violations(page)
    shop_box.check()
    partner_box.check()
    choices = page.locator("tbody tr")  # newest first
    expect(choices).to_have_count(2)
    page.get_by_role("button", name="Save my choices").click()
    expect(page.get_by_role("status")).to_have_text("Your choices are saved.")
    expect(choices).to_have_count(4)
    expect(partner_box).to_be_checked()
    partner_box.uncheck()
    page.get_by_role("button", name="Save my choices").click()
    expect(choices).to_have_count(5)
    expect(page.get_by_role("status")).to_have_text("Your choices are saved.")
    expect(shop_box).to_be_checked()
    expect(partner_box).not_to_be_checked()

    # Someone signed out uses the public form for the address: done at once, and noticed.
    stranger = new_context().new_page()
    stranger.goto("/privacy/opt-out")
    expect(heading(stranger)).to_have_text("Stop mail from us")
    assert_no_serious_axe_violations(stranger)
    stranger.get_by_label("Email address").fill(EMAIL)
    expect(stranger.get_by_label("Stop the shop's offers and news")).to_be_checked()
    expect(stranger.get_by_label("Stop partner offers")).to_be_checked()
    stranger.get_by_role("button", name="Stop this mail").click()
    expect(heading(stranger)).to_have_text("Done")
    assert consent.current(customer.id, EMAIL) == {SHOP_MARKETING: False,
                                                   PARTNER_OFFERS: False,
                                                   SITE_UPDATES: False}
    run_mail_worker(database_url, smtp_sink)
    received = {message["Subject"]: message for message in smtp_sink.messages()}
    assert smtp_sink.count() == 3
    assert sorted(received) == sorted([WELCOME_SUBJECT, OFFER_SUBJECT, NOTICE_SUBJECT])
    notice = body(received[NOTICE_SUBJECT])
    assert "- The shop's offers and news" in notice and "Partner offers" not in notice
    undo = re.search(re.escape(shop_url) + r"/privacy/resume/[\w.-]+", notice).group(0)
    status, _, text = mail_client(live_server, "GET", shop_path(undo, shop_url,
                                                                "/privacy/resume/"))
    assert status == 200
    assert "Get this mail from us again: the shop's offers and news?" in html.unescape(text)

    # Every path is in the ledger with its channel, and the customer sees it too.
    assert ledger(customer) == [
        (PARTNER_OFFERS, True, "registration"),
        (PARTNER_OFFERS, False, "email_link"),
        (SHOP_MARKETING, True, "account"),
        (PARTNER_OFFERS, True, "account"),
        (PARTNER_OFFERS, False, "account"),
        (SHOP_MARKETING, False, "optout_form"),
    ]
    assert {event.ip for event in consent.history(customer.id, EMAIL)} == {"127.0.0.1"}
    page.reload()
    expect(choices.locator("td:nth-child(4)")).to_have_text([
        "Public opt-out form", *["My Account, communication preferences"] * 3,
        "Link in an email", "Registration form"])
