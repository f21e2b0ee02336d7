"""Opt-out by phone (P20): a button per kind of mail the customer agreed to, and one for all;
each is written to the consent ledger with channel "phone" and the associate, and the
address is told by email."""
from datetime import timedelta

import pytest

from storefront.db import utcnow
from storefront.mail.models import OutboxMessage
from storefront.privacy import consent
from storefront.privacy.models import ConsentEvent, PolicyNotice, PolicyVersion
from tests.factories import make_customer, post_form

SHOP, PARTNER, NEWS = consent.SHOP_MARKETING, consent.PARTNER_OFFERS, consent.SITE_UPDATES


@pytest.fixture
def ada(db):
    customer = make_customer()
    consent.record_choices({SHOP: True, PARTNER: True}, "registration", customer_id=customer.id,
                           address=customer.email)
    return customer


def withdraw(care, customer, purpose):
    page = f"/care/customers/{customer.id}"
    return post_form(care, f"{page}/consent/withdraw", {"purpose": purpose}, token_page=page)


def test_one_button_per_kind_of_mail_agreed_to_and_one_for_all(care, ada):
    html = care.get(f"/care/customers/{ada.id}").get_data(as_text=True)
    assert 'name="purpose" value="shop_marketing"' in html
    assert 'name="purpose" value="partner_offers"' in html
    assert 'name="purpose" value="site_updates"' not in html  # not agreed: nothing to stop
    assert 'name="purpose" value="all"' in html


def test_a_phone_opt_out_is_in_the_ledger_with_the_associate_and_the_address_is_told(
        care, ada, runner, smtp_sink):
    response = withdraw(care, ada, SHOP)
    assert response.status_code == 302 and response.location.endswith("#consent")
    event = ConsentEvent.select().order_by(ConsentEvent.id.desc()).get()
    assert (event.purpose, event.given, event.channel, event.staff_id, event.customer_id,
            event.email_key) == (SHOP, False, "phone", care.staff.id, ada.id, "ada@example.com")
    assert consent.current(ada.id, ada.email) == {SHOP: False, PARTNER: True, NEWS: False}
    html = care.get(response.location).get_data(as_text=True)
    assert "Opt-out by phone recorded for ada@example.com. Withdrawn: The shop&#39;s offers " \
           "and news." in html
    assert "<td>withdrawn</td>\n    <td>Telephone call with Customer Care</td>\n" \
           "    <td>Cara Care</td>" in html
    [notice] = OutboxMessage.select().where(OutboxMessage.category == "consent_notice")
    assert notice.recipient == "ada@example.com"
    runner.invoke(args=["worker", "--once"])
    [mail] = smtp_sink.messages()
    assert mail["To"] == "ada@example.com"
    assert mail["Subject"] == "You will get no more of this mail from us"


def test_withdraw_all_stops_every_kind_agreed_to_with_one_notice(care, ada):
    withdraw(care, ada, "all")
    events = ConsentEvent.select().where(ConsentEvent.channel == "phone")
    assert sorted((e.purpose, e.given, e.staff_id) for e in events) == [
        (PARTNER, False, care.staff.id), (SHOP, False, care.staff.id)]
    assert not any(consent.current(ada.id, ada.email).values())
    assert OutboxMessage.select().where(OutboxMessage.category == "consent_notice").count() == 1
    html = care.get(f"/care/customers/{ada.id}").get_data(as_text=True)
    assert 'name="purpose"' not in html and "there is nothing to stop" in html


def test_stopping_what_was_not_agreed_records_nothing(care, ada):
    response = withdraw(care, ada, NEWS)
    assert response.status_code == 302
    assert "had not agreed to that mail: nothing new was recorded" in \
        care.get(response.location).get_data(as_text=True)
    assert ConsentEvent.select().where(ConsentEvent.channel == "phone").count() == 0
    assert OutboxMessage.select().count() == 0


def test_a_use_announced_in_a_policy_change_can_be_refused_by_phone(care, ada):
    version = PolicyVersion.create(label="2", effective_at=utcnow() + timedelta(days=30),
                                   adds_uses="update_mail")
    PolicyNotice.create(version=version, email_key=ada.email_key, customer_id=ada.id)
    html = care.get(f"/care/customers/{ada.id}").get_data(as_text=True)
    assert 'name="purpose" value="update_mail"' in html and "Update mail" in html
    withdraw(care, ada, "update_mail")
    assert consent.announced(ada.id, ada.email) == {"update_mail": False}
    assert consent.allows(SHOP, ada.id, ada.email)  # only what was asked


@pytest.mark.parametrize("purpose", ["marketing", "", "x" * 41, "update_mail"])
def test_an_unknown_purpose_is_a_400_and_records_nothing(care, ada, purpose):
    assert withdraw(care, ada, purpose).status_code == 400
    assert ConsentEvent.select().where(ConsentEvent.channel == "phone").count() == 0


def test_an_opt_out_without_the_csrf_token_is_refused(care, ada):
    response = care.post(f"/care/customers/{ada.id}/consent/withdraw", data={"purpose": "all"})
    assert response.status_code == 400
    assert consent.allows(SHOP, ada.id, ada.email)
