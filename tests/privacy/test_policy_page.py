"""The public /privacy page is told from the data inventory and the policy version in force:
every item, who receives what, how long it is kept, the settings really configured, every
way to opt out; a version published for a future date changes nothing until that date."""
import re
from datetime import timedelta

import time_machine
from markupsafe import escape

from storefront.db import utcnow
from storefront.privacy import inventory
from storefront.privacy.consent import PURPOSES
from storefront.privacy.models import PolicyVersion


def page(client):
    response = client.get("/privacy")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def has(html, text):
    return str(escape(text)) in html


def test_every_inventory_item_is_on_the_page_with_its_when_why_and_how_long(app, client):
    html = page(client)
    for item in inventory.ITEMS:
        assert has(html, item.label), item.key
        assert has(html, inventory.fill(item.collected, app.config)), item.key
        assert has(html, inventory.fill(item.retention, app.config)), item.key
        for purpose in item.purposes:
            assert has(html, inventory.fill(purpose, app.config)), item.key
    for category in {item.category for item in inventory.ITEMS}:
        assert f"<h3>{escape(inventory.CATEGORIES[category])}</h3>" in html
    for item in inventory.ITEMS:  # one table per item, named by the heading above it
        assert f'<h4 id="kept-{item.key}">{escape(item.label)}</h4>\n' \
               f'<table class="inventory" aria-labelledby="kept-{item.key}">' in html
    assert html.count('<table class="inventory"') == len(inventory.ITEMS)
    assert html.count('<th scope="row">') == 4 * len(inventory.ITEMS)
    assert not re.search(r"\{[A-Z_]+\}", html), "a setting was not filled in"


def test_the_page_says_who_receives_what(app, client):
    html = page(client)
    for recipient in inventory.RECIPIENTS.values():
        assert has(html, recipient.label)
        assert has(html, inventory.fill(recipient.terms, app.config))
    for item in inventory.ITEMS:
        for share in item.shares:
            assert has(html, share.what)
    # In plain words: the payment company, the carrier, partners, authorities.
    for words in ["The billing postcode, for your card&#39;s bank to check.",
                  "The card number, sealed so that only they can open it",
                  "The name and address a parcel goes to.",
                  "The phone number given with the order, for the delivery.",
                  "The town, region and country of your shipping address",
                  "Only when the law obliges us",
                  f"fewer than {app.config['REPORT_MIN_CELL']} people is withheld"]:
        assert words in html
    kept = html.split("Kept to ourselves")[1].split("</ul>")[0]
    assert "Messages to Customer Care" in kept and "The message you write on a gift card" in kept


def test_retention_follows_the_configured_settings(app, client, monkeypatch):
    assert "empties IP addresses after 90 days and deletes its rows after 365 days" in \
        page(client)
    monkeypatch.setitem(app.config, "PRIVACY_IP_DAYS", 14)
    monkeypatch.setitem(app.config, "REPORT_MIN_CELL", 25)
    html = page(client)
    assert "empties IP addresses after 14 days" in html and "fewer than 25 people" in html


def test_every_way_to_opt_out_is_on_the_page(app, client):
    html = page(client)
    opt_out = html.split('id="opt-out"')[1].split("<h2")[0]
    for link in ['href="/privacy/opt-out"', 'href="/contact"', 'href="/account/preferences"',
                 f'href="mailto:{app.config["CARE_EMAIL"]}"']:
        assert link in opt_out, link
    assert app.config["SHOP_PHONE"] in opt_out
    assert "unsubscribe link" in opt_out and "start unticked" in opt_out
    for purpose in PURPOSES.values():
        assert has(html, purpose.label) and has(html, purpose.description)


def test_the_version_in_force_is_shown_and_a_future_one_waits_for_its_date(db, client):
    html = page(client)
    assert "Policy version 1, in force since 1 January 2026." in html
    now = utcnow()
    PolicyVersion.create(label="2", summary="We now say who receives what.",
                         effective_at=now - timedelta(days=3))
    PolicyVersion.create(label="3", summary="Partners get less from now on.",
                         effective_at=now + timedelta(days=30))
    html = page(client)
    assert "Policy version 2, in force since" in html and "We now say who receives what." in html
    assert "Partners get less" not in html and "version 3" not in html
    with time_machine.travel(now + timedelta(days=31), tick=False):
        html = page(client)
    assert "Policy version 3, in force since" in html and "Partners get less from now on." in html
