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
NEWS = consent.SITE_UPDATES
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
    assert consent.current(address=ADDRESS) == {SHOP: False, PARTNER: False, NEWS: False}
    assert channels()[-2:] == [(SHOP, False, "optout_form"), (PARTNER, False, "optout_form")]
    [notice] = OutboxMessage.select().where(OutboxMessage.category == "consent_notice")
    assert notice.recipient == "Ada@Example.com" and not notice.purpose  # not marketing
    resume = re.search(r"https?://\S+/privacy/resume/\S+", notice.body_text).group(0)
    # Opening the undo link changes nothing; its button gives the consent back.
    assert "Undo the opt-out" in client.get(link_path(resume)).get_data(as_text=True)
    assert consent.current(address=ADDRESS) == {SHOP: False, PARTNER: False, NEWS: False}
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


def test_a_burst_is_told_once_but_every_flip_is_told(client, db):
    """Repeating the same opt-out within the hour sends one note; an opt-in after it and
    another opt-out is a change the owner must hear about, whatever the clock says, and
    changing the address's case does not get round the limit."""
    consent.record(SHOP, True, "checkout", address=ADDRESS)
    opt_out(client)
    opt_out(client, email="ADA@example.com")
    assert OutboxMessage.select().count() == 1
    consent.record(SHOP, True, "checkout", address=ADDRESS)
    opt_out(client, email="Ada@Example.com")
    assert OutboxMessage.select().count() == 2
    assert channels().count((SHOP, False, "optout_form")) == 2


def test_a_sign_up_after_an_unsubscribe_is_told_again(app, client, db):
    from storefront.privacy.mailing import record_form_choices
    with app.test_request_context():
        record_form_choices({SHOP: True}, "contact_form", address=ADDRESS)
        consent.record(SHOP, False, "email_link", address=ADDRESS)
        record_form_choices({SHOP: True}, "contact_form", address="Ada@example.com")
    welcomes = OutboxMessage.select().where(OutboxMessage.category == "consent_welcome")
    assert welcomes.count() == 2


def test_only_the_ticked_purposes_stop(client, db):
    consent.record_choices({SHOP: True, PARTNER: True}, "registration", address=ADDRESS)
    opt_out(client, stop_partner="y")
    assert consent.current(address=ADDRESS) == {SHOP: True, PARTNER: False, NEWS: False}


@pytest.mark.parametrize("data, field, message", [
    ({"email": "", "stop_shop": "y"}, "email", "Enter the email address"),
    ({"email": "not an address", "stop_shop": "y"}, "email", "like name@example.com"),
    ({"email": ADDRESS}, "stop_new_uses", "Tick what you want to stop"),
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
    assert consent.current(customer.id, customer.email) == {SHOP: True, PARTNER: False, NEWS: False}
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


def test_a_use_added_by_a_policy_version_can_be_unsubscribed_too(app, db):
    from storefront.privacy.models import PolicyVersion
    PolicyVersion.create(label="2", effective_at=datetime(2026, 2, 1), adds_uses="update_mail")
    consent.record("update_mail", True, "policy_notice", address=ADDRESS)
    path = unsubscribe_link(app, purpose="update_mail")
    response = app.test_client(use_cookies=False).post(path)
    assert response.status_code == 200 and "update mail" in response.get_data(as_text=True)
    assert not consent.allows("update_mail", address=ADDRESS)


def test_an_over_long_scoped_ipv6_address_is_not_stored_rather_than_failing(db):
    event = consent.record(SHOP, True, "checkout", address=ADDRESS, ip="fe80::1%" + "e" * 60)
    assert event.ip == ""
