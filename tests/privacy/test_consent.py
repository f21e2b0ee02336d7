"""The consent ledger (P20): append-only, current choice derived from the latest event, one
event per changed box, recorded at every point of collection with its channel."""
import re
from datetime import datetime

import pytest
import time_machine

from storefront.privacy import consent
from storefront.privacy.models import ConsentEvent, PolicyVersion

from tests.factories import (REGISTRATION, add_to_cart, fill_details, make_customer,
                             make_product, make_staff, post_form, sign_in)

SHOP, PARTNER = consent.SHOP_MARKETING, consent.PARTNER_OFFERS
NEWS = consent.SITE_UPDATES


def trail(**subject):
    """(purpose, given, channel) of the person's events, oldest first."""
    return [(e.purpose, e.given, e.channel) for e in reversed(consent.history(**subject))]


def test_nothing_is_consented_until_an_event_says_so(db):
    assert consent.current(address="nobody@example.com") == \
        {SHOP: False, PARTNER: False, NEWS: False}
    assert not consent.allows(SHOP, address="nobody@example.com")


def test_the_latest_event_wins_and_matches_the_account_or_its_address(db):
    customer = make_customer()
    with time_machine.travel(datetime(2026, 3, 1), tick=False):
        consent.record(SHOP, True, "checkout", address="ADA@example.com")  # as a guest
    with time_machine.travel(datetime(2026, 3, 2), tick=False):
        assert consent.allows(SHOP, customer.id, customer.email)
        consent.record(SHOP, False, "account", customer_id=customer.id, address=customer.email)
    with time_machine.travel(datetime(2026, 3, 3), tick=False):
        assert not consent.allows(SHOP, customer.id, customer.email)
        assert not consent.allows(SHOP, address="ada@example.com")
        consent.record(SHOP, True, "email_link", address="ada@example.com")
        assert consent.allows(SHOP, customer.id, customer.email)
    assert not consent.allows(PARTNER, customer.id, customer.email)


def test_events_are_never_changed_or_deleted_by_the_app(db):
    event = consent.record(PARTNER, True, "registration", address="ada@example.com")
    event.given = False
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete_instance()
    with pytest.raises(PermissionError):
        ConsentEvent.update(given=False).execute()
    with pytest.raises(PermissionError):
        ConsentEvent.delete().execute()
    assert ConsentEvent.get_by_id(event.id).given is True


def test_an_event_records_who_what_where_when_and_the_policy_in_force(db):
    staff = make_staff("care")
    PolicyVersion.create(label="2026-06", effective_at=datetime(2026, 6, 1))
    PolicyVersion.create(label="2027-01", effective_at=datetime(2027, 1, 1))
    with time_machine.travel(datetime(2026, 11, 26, 9, 30), tick=False):
        event = consent.record(SHOP, False, "phone", address="Ada@Example.com",
                               staff_id=staff.id, reference="call at 09:30", ip="203.0.113.9")
    event = ConsentEvent.get_by_id(event.id)
    assert (event.email_key, event.purpose, event.given, event.channel, event.staff_id,
            event.policy_version, event.reference, event.ip, event.at) == (
        "ada@example.com", SHOP, False, "phone", staff.id, "2026-06", "call at 09:30",
        "203.0.113.9", datetime(2026, 11, 26, 9, 30))


def test_unknown_purposes_and_channels_are_programming_errors(db):
    with pytest.raises(consent.ConsentError):
        consent.record("sell_to_data_brokers", True, "account", address="a@example.com")
    with pytest.raises(consent.ConsentError):
        consent.record(SHOP, True, "carrier pigeon", address="a@example.com")
    PolicyVersion.create(label="2", effective_at=datetime(2026, 2, 1), adds_uses="update_mail")
    assert consent.record("update_mail", True, "policy_notice", address="a@example.com")
    assert not consent.allows("update_mail_digest", address="a@example.com")


def test_record_choices_writes_only_the_boxes_that_change(db):
    first = consent.record_choices({SHOP: False, PARTNER: True}, "registration",
                                   address="ada@example.com")
    assert [(e.purpose, e.given) for e in first] == [(PARTNER, True)]
    assert consent.record_choices({SHOP: False, PARTNER: True}, "checkout",
                                  address="ada@example.com") == []
    assert consent.withdraw_all("phone", address="ada@example.com", staff_id=1)[0].staff_id == 1
    assert trail(address="ada@example.com") == [(PARTNER, True, "registration"),
                                                (PARTNER, False, "phone")]


def test_the_phone_path_records_the_associate(db):
    """Opt-out by telephone (P20): the service the care console's buttons call."""
    customer = make_customer()
    associate = make_staff("care")
    consent.record_choices({SHOP: True, PARTNER: True}, "registration",
                           customer_id=customer.id, address=customer.email)
    consent.withdraw_all("phone", customer_id=customer.id, address=customer.email,
                         staff_id=associate.id, purposes=[PARTNER])
    latest = consent.history(customer.id, customer.email)[0]
    assert (latest.purpose, latest.given, latest.channel, latest.staff_id) == \
        (PARTNER, False, "phone", associate.id)
    assert consent.current(customer.id, customer.email) == {SHOP: True, PARTNER: False, NEWS: False}


def test_registration_offers_two_separate_unticked_boxes_and_records_the_ticked_one(client, db):
    html = client.get("/account/register").get_data(as_text=True)
    for name in ("shop_marketing", "partner_offers"):
        box = html[html.index(f'name="{name}"') - 80:html.index(f'name="{name}"') + 40]
        assert 'type="checkbox"' in box and "checked" not in box
    response = post_form(client, "/account/register", {**REGISTRATION, "partner_offers": "y"})
    assert response.status_code == 302
    from storefront.accounts.models import Customer
    customer = Customer.get()
    [event] = consent.history(customer.id, customer.email)
    assert (event.purpose, event.given, event.channel, event.customer_id, event.email_key) == \
        (PARTNER, True, "registration", customer.id, customer.email_key)


def test_a_guests_ticked_box_counts_and_an_unticked_one_withdraws_nothing(client, db):
    """A guest is not shown anyone's choices, so their unticked box means "not asking":
    typing someone's address cannot silently take back what its owner chose."""
    consent.record(PARTNER, True, "registration", address="guest@example.com")
    add_to_cart(client, make_product())
    fill_details(client, shop_marketing="y")
    assert trail(address="guest@example.com") == [(PARTNER, True, "registration"),
                                                  (SHOP, True, "checkout")]
    html = client.get("/checkout/").get_data(as_text=True)
    assert "checked" not in html[html.index('name="partner_offers"') - 80:][:120]
    fill_details(client)  # both unticked this time
    assert consent.current(address="guest@example.com") == {SHOP: True, PARTNER: True, NEWS: False}


def test_a_signed_in_customer_sees_their_choices_at_checkout_and_can_change_them(client, db):
    customer = make_customer()
    consent.record(SHOP, True, "registration", customer_id=customer.id, address=customer.email)
    sign_in(client)
    add_to_cart(client, make_product())
    html = client.get("/checkout/").get_data(as_text=True)
    assert "checked" in html[html.index('name="shop_marketing"') - 80:][:120]
    fill_details(client, email=None)
    assert consent.current(customer.id, customer.email) == \
        {SHOP: False, PARTNER: False, NEWS: False}
    assert trail(customer_id=customer.id, address=customer.email)[-1] == (SHOP, False, "checkout")


def test_my_account_preferences_show_the_current_choice_and_record_changes(client, db):
    customer = make_customer()
    sign_in(client)
    assert post_form(client, "/account/preferences", {"shop_marketing": "y"}).status_code == 302
    html = client.get("/account/preferences").get_data(as_text=True)
    assert "checked" in html[html.index('name="shop_marketing"') - 80:][:120]
    assert "My Account, communication preferences" in html
    post_form(client, "/account/preferences", {})
    assert trail(customer_id=customer.id, address=customer.email) == [
        (SHOP, True, "account"), (SHOP, False, "account")]
    assert client.get("/account/preferences").status_code == 200


def test_preferences_need_a_signed_in_customer(client, db):
    response = client.get("/account/preferences")
    assert response.status_code == 302 and "/account/login" in response.location


def test_a_consent_given_on_a_form_is_never_silent(app, client, db):
    """Whoever typed the address, its owner learns of the sign-up and can stop it in one
    click; changes made while signed in on My Account send nothing."""
    from storefront.mail.models import OutboxMessage
    add_to_cart(client, make_product())
    fill_details(client, shop_marketing="y", partner_offers="y")
    [notice] = OutboxMessage.select().where(OutboxMessage.category == "consent_welcome")
    assert notice.recipient == "guest@example.com" and not notice.purpose
    links = re.findall(r"https?://\S+/unsubscribe/\S+", notice.body_text)
    assert len(links) == 2 and "checkout" in notice.body_text
    cookieless = app.test_client(use_cookies=False)
    assert cookieless.post("/" + links[1].split("/", 3)[3]).status_code == 200
    assert consent.current(address="guest@example.com") == {SHOP: True, PARTNER: False, NEWS: False}
    make_customer()
    sign_in(client)
    post_form(client, "/account/preferences", {"partner_offers": "y"})
    assert OutboxMessage.select().count() == 1


def test_a_contact_message_from_another_address_does_not_speak_for_the_account(client, db):
    customer = make_customer()
    consent.record(SHOP, True, "registration", customer_id=customer.id, address=customer.email)
    sign_in(client)
    post_form(client, "/contact", {"name": "Ada", "email": "other@example.com",
                                   "subject": "Hi", "body": "A question.", "partner_offers": "y"})
    assert consent.current(customer.id, customer.email) == {SHOP: True, PARTNER: False, NEWS: False}
    assert consent.current(address="other@example.com") == {SHOP: False, PARTNER: True, NEWS: False}
