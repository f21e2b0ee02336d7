"""Opting out without signing in (P20): the public form, the one-click unsubscribe link and
the undo link in the opt-out notice."""
import re
from datetime import datetime, timedelta

import pytest
import time_machine
from itsdangerous import URLSafeTimedSerializer

from storefront.mail.models import OutboxMessage
from storefront.privacy import consent, mailing

from tests.factories import csrf_token, make_customer, post_form

SHOP, PARTNER = consent.SHOP_MARKETING, consent.PARTNER_OFFERS
ADDRESS = "ada@example.com"


def channels(address=ADDRESS):
    return [(e.purpose, e.given, e.channel) for e in reversed(consent.history(address=address))]


def opt_out(client, email=ADDRESS, **boxes):
    data = {"email": email, **({"stop_shop": "y", "stop_partner": "y"} if not boxes else boxes)}
    return post_form(client, "/privacy/opt-out", data)


def link_path(url):
    return "/" + url.split("/", 3)[3]


def test_the_public_form_withdraws_at_once_and_tells_the_address_with_an_undo_link(client, db):
    consent.record_choices({SHOP: True, PARTNER: True}, "registration", address=ADDRESS)
    response = opt_out(client, email="Ada@Example.com")
    assert response.status_code == 200 and "Done" in response.get_data(as_text=True)
    assert consent.current(address=ADDRESS) == {SHOP: False, PARTNER: False}
    assert channels()[-2:] == [(SHOP, False, "optout_form"), (PARTNER, False, "optout_form")]
    [notice] = OutboxMessage.select().where(OutboxMessage.category == "consent_notice")
    assert notice.recipient == "Ada@Example.com" and not notice.purpose  # not marketing
    resume = re.search(r"https?://\S+/privacy/resume/\S+", notice.body_text).group(0)
    # Opening the undo link changes nothing; its button gives the consent back.
    assert "Undo the opt-out" in client.get(link_path(resume)).get_data(as_text=True)
    assert consent.current(address=ADDRESS) == {SHOP: False, PARTNER: False}
    done = client.post(link_path(resume))
    assert done.status_code == 200 and "Subscribed again" in done.get_data(as_text=True)
    assert channels()[-2:] == [(SHOP, True, "email_link"), (PARTNER, True, "email_link")]


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, db):
    known = opt_out(client, email="nobody@example.com").get_data(as_text=True)
    consent.record(SHOP, True, "checkout", address=ADDRESS)
    other = opt_out(client).get_data(as_text=True)
    def main(html):
        return html.split("<main")[1].split("</main>")[0]
    assert main(known) == main(other)
    assert [m.recipient for m in OutboxMessage.select()] == [ADDRESS]


def test_the_notice_goes_at_most_once_an_hour(client, db):
    for _ in range(3):
        consent.record(SHOP, True, "checkout", address=ADDRESS)
        opt_out(client)
    assert OutboxMessage.select().count() == 1
    assert channels().count((SHOP, False, "optout_form")) == 3


def test_only_the_ticked_purposes_stop(client, db):
    consent.record_choices({SHOP: True, PARTNER: True}, "registration", address=ADDRESS)
    opt_out(client, stop_partner="y")
    assert consent.current(address=ADDRESS) == {SHOP: True, PARTNER: False}


@pytest.mark.parametrize("data, field, message", [
    ({"email": "", "stop_shop": "y"}, "email", "Enter the email address"),
    ({"email": "not an address", "stop_shop": "y"}, "email", "like name@example.com"),
    ({"email": ADDRESS}, "stop_partner", "Tick what you want to stop"),
])
def test_the_form_explains_each_mistake_next_to_its_field(client, db, data, field, message):
    response = post_form(client, "/privacy/opt-out", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in re.search(rf'id="{field}-error">([^<]+)<', html).group(1)
    assert consent.history(address=ADDRESS) == []


def test_the_form_needs_its_csrf_token(client, db):
    csrf_token(client, "/privacy/opt-out")
    assert client.post("/privacy/opt-out", data={"email": ADDRESS, "stop_shop": "y"}) \
        .status_code == 400


def unsubscribe_link(app, purpose=PARTNER, customer=None, address=ADDRESS):
    with app.test_request_context():
        return link_path(mailing.unsubscribe_url(purpose, customer.id if customer else None,
                                                 address))


def test_one_click_unsubscribe_works_without_cookies_and_a_get_changes_nothing(app, db):
    customer = make_customer()
    consent.record_choices({SHOP: True, PARTNER: True}, "registration",
                           customer_id=customer.id, address=customer.email)
    path = unsubscribe_link(app, customer=customer, address=customer.email)
    cookieless = app.test_client(use_cookies=False)
    page = cookieless.get(path)
    assert page.status_code == 200 and consent.allows(PARTNER, customer.id, customer.email)
    response = cookieless.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and response.location is None
    assert "You are unsubscribed" in response.get_data(as_text=True)
    assert consent.current(customer.id, customer.email) == {SHOP: True, PARTNER: False}
    latest = consent.history(customer.id, customer.email)[0]
    assert (latest.channel, latest.customer_id) == ("email_link", customer.id)
    assert cookieless.post(path).status_code == 200  # twice is harmless
    assert len(consent.history(customer.id, customer.email)) == 3


def test_forged_altered_expired_and_misused_links_are_refused_and_reveal_nothing(app, db):
    customer = make_customer(name="Ada Lovelace")
    consent.record(PARTNER, True, "registration", customer_id=customer.id,
                   address=customer.email)
    path = unsubscribe_link(app, customer=customer, address=customer.email)
    token = path.rsplit("/", 1)[1]
    altered = f"/unsubscribe/{token[:-3]}{'A' if token[-3] != 'A' else 'B'}{token[-2:]}"
    with app.app_context():
        old = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=mailing.UNSUBSCRIBE_SALT)
        with time_machine.travel(datetime.now() - timedelta(days=400)):
            expired = "/unsubscribe/" + old.dumps({"c": customer.id, "e": customer.email_key,
                                                   "p": [PARTNER]})
        stranger = URLSafeTimedSerializer("another-shop", salt=mailing.UNSUBSCRIBE_SALT)
        foreign = "/unsubscribe/" + stranger.dumps({"c": customer.id, "e": customer.email_key,
                                                    "p": [PARTNER]})
        resume = "/unsubscribe/" + mailing.make_token([PARTNER], None, customer.email,
                                                      salt=mailing.RESUBSCRIBE_SALT)
        bad_purpose = "/unsubscribe/" + mailing.make_token(["everything"], None, "a@b.c")
    client = app.test_client(use_cookies=False)
    for bad in (altered, expired, foreign, resume, bad_purpose, "/unsubscribe/%00%ff",
                "/unsubscribe/" + "x" * 5000):
        for method in ("get", "post"):
            response = getattr(client, method)(bad)
            html = response.get_data(as_text=True)
            assert response.status_code in (400, 404), (bad, method)
            assert customer.email_key not in html.lower() and "Lovelace" not in html
    assert consent.allows(PARTNER, customer.id, customer.email)
    assert client.post(expired).get_data(as_text=True).count("too old") == 1
