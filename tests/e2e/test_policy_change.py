"""Issue 7, P15 in Chromium: the legal team publishes a version that adds a use, effective in
30 days, from the staff page; every account (and the marketing list) gets the notice with a
link to refuse the use; one person refuses it; the old version governs /privacy until the
date, and after it the use applies to everyone notified but that person."""
import re
from datetime import timedelta

import pytest
import time_machine
from playwright.sync_api import expect

from storefront.db import utcnow
from storefront.privacy import consent
from storefront.privacy.models import PolicyVersion
from tests.e2e.test_checkout import heading
from tests.e2e.test_cobrand import staff_page
from tests.e2e.test_consent import assert_no_serious_axe_violations, shop_path
from tests.e2e.test_fulfilment import body, run_mail_worker
from tests.factories import make_customer, make_staff

pytestmark = pytest.mark.e2e

USE = "update_mail"
LABEL = "2026-05"
SUMMARY = "We will mail you news of updates to products you bought from us."
GUEST = "gus@example.com"


def test_a_policy_change_is_announced_refusable_and_applies_from_its_date(
        app, db, new_context, smtp_sink, database_url):
    shop_url = app.config["SHOP_URL"]
    accounts = [make_customer(name=name, email=f"{name.lower()}@example.com")
                for name in ("Ada", "Bob", "Cy")]
    consent.record(consent.SHOP_MARKETING, True, "checkout", address=GUEST)
    make_staff("legal")
    # 30 days from now, to the next whole minute (the form has minutes), and a minute to spare.
    effective = (utcnow() + timedelta(days=30, minutes=2)).replace(second=0, microsecond=0)

    legal = staff_page(new_context, "legal@staff.example.com")
    legal.goto("/staff/privacy/policy")
    expect(heading(legal)).to_have_text("Privacy policy versions")
    legal.get_by_label("Label", exact=True).fill(LABEL)
    legal.get_by_label("Summary of the changes").fill(SUMMARY)
    legal.get_by_label("Text of the policy (Markdown)").fill(
        "## Update mail\n\nWhen a product you bought gets a **new part**, we tell you.")
    legal.get_by_label("Uses it adds").fill(USE)
    legal.get_by_label("Takes effect (UTC)").fill(effective.strftime("%Y-%m-%dT%H:%M"))
    legal.get_by_role("button", name="Publish and send the notice").click()
    expect(legal.get_by_role("status")).to_contain_text(f"Version {LABEL} is published")
    expect(legal.get_by_role("row", name=re.compile(f"^{LABEL} "))).to_contain_text(
        "Waiting for its date")
    expect(legal.get_by_role("row", name=re.compile(r"^1 "))).to_contain_text("In force now")
    assert_no_serious_axe_violations(legal)
    assert PolicyVersion.get(PolicyVersion.label == LABEL).effective_at == effective

    # The notice reaches every account and the address on the marketing list, once each.
    run_mail_worker(database_url, smtp_sink)
    notices = {message["To"]: body(message) for message in smtp_sink.messages()}
    assert smtp_sink.count() == 4
    assert sorted(notices) == sorted([*(c.email for c in accounts), GUEST])
    links = {}
    for address, text in notices.items():
        assert SUMMARY in text and f"takes effect on {effective.day} " in text
        links[address] = re.search(re.escape(shop_url) + r"/unsubscribe/[\w.-]+", text).group(0)
    assert len(set(links.values())) == 4  # each link names its own recipient

    # Bob refuses the new use from his mail, in a browser without signing in.
    bob = accounts[1]
    reader = new_context().new_page()
    reader.goto(shop_path(links[bob.email], shop_url, "/unsubscribe/"))
    expect(reader.get_by_text("Stop this mail from us: update mail?")).to_be_visible()
    reader.get_by_role("button", name="Unsubscribe").click()
    expect(heading(reader)).to_have_text("You are unsubscribed")
    [event] = consent.history(bob.id, bob.email)
    assert (event.purpose, event.given, event.channel) == (USE, False, "email_link")

    # Until the date, the old version governs and nobody has the new use.
    visitor = new_context().new_page()
    visitor.goto("/privacy")
    expect(visitor.locator(".policy-version")).to_have_text(
        "Policy version 1, in force since 1 January 2026.")
    expect(visitor.get_by_text(SUMMARY)).to_have_count(0)
    people = [(c.id, c.email) for c in accounts] + [(None, GUEST)]
    assert not any(consent.allows(USE, *person) for person in people)

    # After it, the new version governs and the use applies to all but Bob.
    with time_machine.travel(effective + timedelta(minutes=1)):
        visitor.goto("/privacy")
        expect(visitor.locator(".policy-version")).to_contain_text(
            f"Policy version {LABEL}, in force since {effective.day} ")
        expect(visitor.get_by_text(SUMMARY)).to_be_visible()
        expect(visitor.get_by_role("heading", name="Update mail", level=3)).to_be_visible()
        expect(visitor.locator(".policy-body strong")).to_have_text("new part")
        assert [consent.allows(USE, *person) for person in people] == [True, False, True, True]
