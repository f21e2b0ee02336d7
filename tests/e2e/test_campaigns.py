"""Issue 8 in Chromium: a marketing staff member composes a campaign to customers, sees the
exact audience before sending, sends it; the batch step and the mail worker run as the
processes `make run` starts, and exactly the consenting customers get it: not one who
unsubscribed with an earlier mail's one-click link, nor one who used the opt-out form."""
import os
import re
import subprocess
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from storefront.marketing import campaigns
from storefront.marketing.models import Campaign
from storefront.privacy import consent
from storefront.privacy.consent import PARTNER_OFFERS, SHOP_MARKETING
from tests.e2e.test_checkout import heading
from tests.e2e.test_cobrand import staff_page
from tests.e2e.test_consent import assert_no_serious_axe_violations
from tests.e2e.test_fulfilment import body, run_mail_worker
from tests.factories import make_staff
from tests.marketing.test_campaigns import account, catalogue_request, guest, order
from tests.sandbox import STOREFRONT

pytestmark = pytest.mark.e2e

SUBJECT = "Our spring lamps are in"
EARLIER = "Winter clearance"


def send_campaigns(database_url):
    """`storefront marketing send-campaigns --once` as its own process (the Procfile's)."""
    environment = {**os.environ, "DATABASE_URL": database_url}
    done = subprocess.run([STOREFRONT, "marketing", "send-campaigns", "--once", "--batch", "1"],
                          env=environment, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def received(sink, subject):
    return {message["To"]: message for message in sink.messages()
            if message["Subject"] == subject}


def test_a_campaign_reaches_exactly_the_consenting_customers(
        app, db, new_context, live_server, smtp_sink, database_url):
    ada = account("ada@example.com", SHOP_MARKETING)
    order("ada@example.com", customer=ada)
    guest("gus@example.com", SHOP_MARKETING)
    guest("uma@example.com", SHOP_MARKETING)  # unsubscribes with an earlier mail's link
    guest("otto@example.com", SHOP_MARKETING)  # opts out on the public form
    guest("gina@example.com")  # never said yes
    guest("dora@example.com", PARTNER_OFFERS)  # yes to partner offers only
    account("reg@example.com", SHOP_MARKETING)  # registered, never ordered: not a customer
    catalogue_request("cat@example.com", SHOP_MARKETING)  # not a customer either
    make_staff("marketing")

    # An earlier campaign reached Uma; she uses its one-click link in her browser.
    earlier = Campaign.create(subject=EARLIER, body="Half price.", purpose=SHOP_MARKETING,
                              audience="customers")
    campaigns.start(earlier.id)
    send_campaigns(database_url)
    run_mail_worker(database_url, smtp_sink)
    uma_mail = received(smtp_sink, EARLIER)["uma@example.com"]
    link = re.fullmatch(r"<(.+)>", uma_mail["List-Unsubscribe"]).group(1)
    assert link in body(uma_mail)
    uma = new_context().new_page()
    uma.goto(urlsplit(link).path)
    uma.get_by_role("button", name="Unsubscribe").click()
    expect(heading(uma)).to_have_text("You are unsubscribed")

    otto = new_context().new_page()
    otto.goto("/privacy/opt-out")
    otto.get_by_label("Email address").fill("otto@example.com")
    otto.get_by_role("button", name="Stop this mail").click()
    expect(heading(otto)).to_have_text("Done")

    # Staff compose, preview the exact audience, send.
    page = staff_page(new_context, "marketing@staff.example.com")
    page.goto("/staff/marketing/campaigns")
    expect(heading(page)).to_have_text("Campaigns")
    assert_no_serious_axe_violations(page)
    page.get_by_label("Subject").fill(SUBJECT)
    page.get_by_label("Message (Markdown)").fill(
        "Brass, paper and copper: **twelve new lamps** for longer evenings.")
    page.get_by_label("Kind of mail").select_option(label="The shop's offers and news")
    page.get_by_label(re.compile("^Customers")).check()
    page.get_by_role("button", name="Preview the audience").click()
    expect(heading(page)).to_have_text(SUBJECT)
    expect(page.locator("#audience-size")).to_contain_text("It would go to 2 people")
    expect(page.locator("strong", has_text="twelve new lamps")).to_be_visible()
    assert_no_serious_axe_violations(page)
    page.get_by_role("button", name="Send the campaign").click()
    expect(page.get_by_role("status")).to_contain_text("The campaign is being sent.")
    expect(page.get_by_role("row", name="People when sending began")).to_contain_text("2")

    assert "queued 1" in send_campaigns(database_url)
    run_mail_worker(database_url, smtp_sink)
    reached = received(smtp_sink, SUBJECT)
    assert set(reached) == {"ada@example.com", "gus@example.com"}
    assert not consent.allows(SHOP_MARKETING, address="uma@example.com")
    assert not consent.allows(SHOP_MARKETING, address="otto@example.com")
    for message in reached.values():
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "twelve new lamps" in body(message)

    page.reload()
    expect(page.get_by_role("row", name="Mails queued")).to_contain_text("2")
    expect(page.get_by_role("row", name=re.compile("^Sent"))).to_contain_text("2")
    expect(page.get_by_role("row", name=re.compile("^Withheld"))).to_contain_text("0")
    assert_no_serious_axe_violations(page)
