"""The contact form (P10, P20): validated on the server, stored for care only, with the
marketing boxes recorded in the consent ledger; lightly throttled per IP."""
import re
from html import unescape

import pytest

from storefront.privacy import consent
from storefront.privacy.models import ConsentEvent
from storefront.support.models import Correspondence
from tests.factories import make_customer, post_form, sign_in

MESSAGE = {"name": "Gus Guest", "email": "Gus@Example.com", "subject": "Where is my lamp?",
           "body": "Hello,\r\nmy order has not arrived.\r\nGus"}


def send(client, **changes):
    data = {**MESSAGE, **changes}
    return post_form(client, "/contact", {k: v for k, v in data.items() if v is not None})


def error_for(html, field_id):
    match = re.search(rf'id="{re.escape(field_id)}-error">([^<]+)<', html)
    return unescape(match.group(1)) if match else None


def test_a_message_is_stored_for_care_and_thanked_for(client, db):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/contact">Contact Customer Care</a>' in page  # the footer link

    response = send(client, shop_marketing="y")
    assert response.status_code == 302 and response.location.endswith("/contact/thanks")
    assert "Customer Care will answer by email" in client.get(response.location) \
        .get_data(as_text=True)
    message = Correspondence.get()
    assert (message.source, message.sender_name, message.sender_email, message.subject) == \
        ("contact_form", "Gus Guest", "Gus@example.com", "Where is my lamp?")
    assert message.body == "Hello,\nmy order has not arrived.\nGus"
    assert message.customer_id is None and message.status == "open"
    assert message.message_id is None

    event = ConsentEvent.get()
    assert (event.purpose, event.given, event.channel, event.email_key, event.ip) == \
        ("shop_marketing", True, "contact_form", "gus@example.com", "127.0.0.1")
    assert consent.current(address="gus@example.com") == \
        {"shop_marketing": True, "partner_offers": False, "site_updates": False}


def test_the_form_offers_unticked_consent_boxes(client, db):
    html = client.get("/contact").get_data(as_text=True)
    for name in ("shop_marketing", "partner_offers"):
        box = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
        assert 'type="checkbox"' in box and "checked" not in box
    assert 'name="csrf_token"' in html


@pytest.mark.parametrize("changes, field_id, message", [
    ({"name": ""}, "name", "Enter your name."),
    ({"name": "x" * 121}, "name", "120"),
    ({"email": ""}, "email", "Enter your email address."),
    ({"email": "not-an-email"}, "email", "An email address must have an @-sign."),
    ({"subject": "s" * 201}, "subject", "200"),
    ({"body": ""}, "body", "Write your message."),
    ({"body": "b" * 10_001}, "body", "Use at most 10,000 characters."),
])
def test_bad_values_get_a_message_next_to_the_field(client, db, changes, field_id, message):
    response = send(client, shop_marketing="y", **changes)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in (error_for(html, field_id) or ""), html[html.find("<main"):][:3000]
    assert Correspondence.select().count() == 0 and ConsentEvent.select().count() == 0


def test_a_post_without_the_csrf_token_is_refused(client, db):
    response = client.post("/contact", data=MESSAGE)
    assert response.status_code == 400
    assert Correspondence.select().count() == 0


def test_a_signed_in_customer_finds_their_details_and_choices(client, db):
    customer = make_customer(name="Ada Shopper", email="ada@example.com")
    consent.record("partner_offers", True, "registration", customer_id=customer.id,
                   address=customer.email)
    sign_in(client)
    html = client.get("/contact").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="name"[^>]*value="Ada Shopper"', html)
    assert re.search(r'<input[^>]*name="email"[^>]*value="ada@example.com"', html)
    assert "checked" in re.search(r'<input[^>]*name="partner_offers"[^>]*>', html).group(0)
    assert "checked" not in re.search(r'<input[^>]*name="shop_marketing"[^>]*>', html).group(0)

    # Unticking partner offers here withdraws them: the latest choice counts.
    response = send(client, name="Ada Shopper", email="ada@example.com")
    assert response.status_code == 302
    assert Correspondence.get().customer_id == customer.id
    latest = ConsentEvent.select().order_by(ConsentEvent.id.desc()).get()
    assert (latest.purpose, latest.given, latest.channel, latest.customer_id) == \
        ("partner_offers", False, "contact_form", customer.id)
    assert not any(consent.current(customer.id).values())


def test_an_anonymous_message_is_not_stored_as_the_accounts_but_care_see_the_hint(client,
                                                                               db):
    """Addresses are not verified: storing the link would put a stranger's message in the
    download (and the deletion) of whoever opened an account with their address."""
    from storefront.support import service
    customer = make_customer(email="ada@example.com")
    send(client, email="ADA@example.com")
    message = Correspondence.get()
    assert message.customer_id is None and service.account_of(message).id == customer.id


def test_an_ip_may_send_five_messages_in_a_short_time(app, client, db):
    for number in range(5):
        assert send(client, subject=f"Message {number}").status_code == 302
    response = send(client, subject="One too many")
    assert response.status_code == 400
    assert "You have sent us 5 messages in a short time" in unescape(
        response.get_data(as_text=True))
    assert Correspondence.select().count() == 5
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert send(other).status_code == 302
