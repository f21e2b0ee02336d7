"""Campaigns (P7, P11.3): the audience is the campaign's groups cut down to who consents to its
purpose; batches queue it through the outbox once per person, even after a crash; every mail
has the RFC 8058 headers; a withdrawal after queueing withholds the mail."""
import re
import threading
from itertools import count
from urllib.parse import urlsplit

import pytest

from storefront.accounts.models import Customer
from storefront.db import utcnow
from storefront.mail import delivery
from storefront.mail.models import OutboxMessage
from storefront.marketing import campaigns
from storefront.marketing.models import Campaign, CatalogueRequest
from storefront.orders import service as orders
from storefront.partners.models import Partner
from storefront.privacy import consent
from storefront.rights import erasure
from tests.factories import (address, make_customer, make_product, make_staff, post_form,
                             staff_sign_in)

SHOP, PARTNER, UPDATES = consent.SHOP_MARKETING, consent.PARTNER_OFFERS, consent.SITE_UPDATES
_numbers = count(1000)


def account(email, *purposes, partner=None):
    customer = make_customer(email=email)
    if partner is not None:
        Customer.update(partner=partner).where(Customer.id == customer.id).execute()
    for purpose in purposes:
        consent.record(purpose, True, "registration", customer_id=customer.id, address=email)
    return Customer.get_by_id(customer.id)


def order(email, customer=None, partner=None):
    product = make_product(stock=1000)
    placed, _ = orders.record_order(
        f"TEST-{next(_numbers)}", customer, email, "", address(), address(), "standard", 595,
        [orders.LineRequest(product, 1)], [], "",
        attribution={"partner": partner} if partner else None)
    return placed


def guest(email, *purposes, partner=None):
    order(email, partner=partner)
    for purpose in purposes:
        consent.record(purpose, True, "checkout", address=email)


def catalogue_request(email, *purposes):
    CatalogueRequest.create(kind="shipping", name="Cat Reader", line1="3 Oak Road",
                            city="Springfield", postal_code="62703", country="US",
                            email=email, address_key=f"3 oak road {email}")
    for purpose in purposes:
        consent.record(purpose, True, "catalogue_request", address=email)


def campaign(purpose=SHOP, audience="registered,customers,catalogue", partner=None):
    return Campaign.create(subject="Spring lamps", body="# New in\n\nOur **spring** lamps.",
                           purpose=purpose, audience=audience, partner=partner)


def audience(found):
    return {person.address for person in campaigns.recipients(found)}


def queue_all(found, size=200):
    """Run the batch step until the campaign is queued."""
    while campaigns.send_batch(found.id, size):
        pass
    return Campaign.get_by_id(found.id)


def deliver(app):
    with app.app_context():
        return delivery.run(delivery.Settings.for_app(app), threading.Event(), once=True)


@pytest.fixture
def shoppers(db):
    """Who is who: accounts, guests and catalogue requesters, some consenting to some mail."""
    ada = account("ada@example.com", SHOP)
    order("ada.checkout@example.com", customer=ada)  # an account's order: the account counts
    account("bob@example.com")  # no consent
    account("dora@example.com", UPDATES)
    withdrawn = account("walt@example.com", SHOP)
    consent.record(SHOP, False, "account", customer_id=withdrawn.id, address=withdrawn.email)
    erased = account("eve@example.com", SHOP)
    erasure.erase_account(erased, utcnow(), "test secret")  # gone from every group,
    order("eve@example.com", customer=erased)  # and so are the orders it kept
    guest("gus@example.com", SHOP)
    guest("gina@example.com")  # no consent
    guest("Ada@Example.com")  # a guest order with an account's address is the account
    catalogue_request("cat@example.com", SHOP)
    catalogue_request("")  # no address: cannot be mailed
    catalogue_request("carl@example.com")  # no consent


def test_each_group_counts_only_who_consents_to_the_purpose(shoppers):
    assert audience(campaign(audience="registered")) == {"ada@example.com"}
    assert audience(campaign(audience="customers")) == {"ada@example.com", "gus@example.com"}
    assert audience(campaign(audience="catalogue")) == {"cat@example.com"}
    assert audience(campaign()) == {"ada@example.com", "gus@example.com", "cat@example.com"}
    assert audience(campaign(UPDATES)) == {"dora@example.com"}
    assert audience(campaign(PARTNER)) == set()


def test_the_count_agrees_with_the_ledger_person_by_person(shoppers):
    """The bulk query says what consent.allows says for every person of every group."""
    for purpose in campaigns.PURPOSES:
        found = campaign(purpose)
        people = campaigns._candidates(found, None)
        expected = {person.address for person in people if consent.allows(
            purpose, person.customer.id if person.customer else None, person.address)}
        assert audience(found) == expected


def test_a_choice_made_under_an_accounts_old_address_still_counts(db):
    customer = account("new@example.com")
    consent.record(SHOP, True, "account", customer_id=customer.id, address="old@example.com")
    assert audience(campaign(audience="registered")) == {"new@example.com"}
    consent.record(SHOP, False, "email_link", address="new@example.com")  # later, by address
    assert audience(campaign(audience="registered")) == set()


def test_partner_offers_need_their_own_consent_and_a_partners_own_only_its_customers(db):
    river = Partner.create(slug="river", name="Riverbooks", privacy_url="https://r.example")
    other = Partner.create(slug="other", name="Other", privacy_url="https://o.example")
    account("ada@example.com", SHOP)  # the shop's offers only: no partner offers
    account("carol@example.com", PARTNER, partner=river)  # river's co-brand account
    account("oscar@example.com", PARTNER, partner=other)
    account("zed@example.com", PARTNER)  # no co-brand
    guest("pete@example.com", PARTNER, partner=river)  # a guest order in river's co-brand
    guest("paula@example.com", PARTNER)
    everyone = {"carol@example.com", "oscar@example.com", "zed@example.com",
                "pete@example.com", "paula@example.com"}
    assert audience(campaign(PARTNER)) == everyone
    assert audience(campaign(PARTNER, partner=river)) == {"carol@example.com",
                                                          "pete@example.com"}
    assert audience(campaign(PARTNER, "registered", partner=river)) == {"carol@example.com"}
    assert audience(campaign(PARTNER, "customers", partner=river)) == {"pete@example.com"}
    with pytest.raises(campaigns.CampaignError) as refused:
        campaigns.create("Hi", "Body", SHOP, ["registered"], river.id, None)
    assert refused.value.field == "partner"


def test_staff_preview_equals_what_is_queued_and_every_mail_has_the_rfc_8058_headers(
        app, client, shoppers, smtp_sink):
    make_staff("marketing")
    staff_sign_in(client, "marketing@staff.example.com")
    response = post_form(client, "/staff/marketing/campaigns", {
        "subject": "Spring lamps", "body": "# New in\n\nOur **spring** lamps.",
        "purpose": SHOP, "audience": ["registered", "customers", "catalogue"]})
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    shown = int(re.search(r'id="audience-size">It would go to <strong>(\d+)</strong>',
                          page).group(1))
    assert shown == 3
    assert "<strong>spring</strong> lamps" in page  # the HTML part, rendered
    found = Campaign.get()
    assert found.status == Campaign.DRAFT and OutboxMessage.select().count() == 0

    sent = post_form(client, f"/staff/marketing/campaigns/{found.id}/send", {},
                     token_page=response.location)
    assert sent.status_code == 302
    assert Campaign.get_by_id(found.id).status == Campaign.SENDING
    with app.app_context():
        while campaigns.send_pending(2):
            pass
    found = Campaign.get_by_id(found.id)
    rows = list(OutboxMessage.select().where(OutboxMessage.campaign_id == found.id))
    assert (found.status, found.total, found.queued, len(rows)) == (Campaign.SENT, 3, 3, 3)
    assert {row.customer_id for row in rows} == {Customer.get(email="ada@example.com").id, None}

    assert deliver(app)["sent"] == 3
    received = [m for m in smtp_sink.messages() if m["Subject"] == "Spring lamps"]
    assert {m["To"] for m in received} == {"ada@example.com", "gus@example.com",
                                           "cat@example.com"}
    for message in received:
        link = re.fullmatch(r"<(.+)>", message["List-Unsubscribe"]).group(1)
        assert link.startswith(app.config["SHOP_URL"] + "/unsubscribe/")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert link in message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert link in html and "<strong>spring</strong> lamps" in html
        assert "Our **spring** lamps." in message.get_body(("plain",)).get_content()
    progress = client.get(f"/staff/marketing/campaigns/{found.id}").get_data(as_text=True)
    assert re.search(r"Mails queued</th><td>3<", progress)
    assert re.search(r"Sent</th><td>3<", progress)


def test_batches_resume_after_a_crash_without_sending_anyone_twice(app, db, smtp_sink,
                                                                   monkeypatch):
    for n in range(5):
        guest(f"reader{n}@example.com", SHOP)
    found = campaign(audience="customers")
    assert campaigns.start(found.id)
    with app.app_context():
        assert campaigns.send_batch(found.id, 2) == 2

        real, calls = campaigns.mailing.enqueue_marketing, []

        def dies_on_the_second(*args, **kwargs):
            calls.append(args[0])
            if len(calls) == 2:
                raise RuntimeError("killed mid-batch")
            return real(*args, **kwargs)

        monkeypatch.setattr(campaigns.mailing, "enqueue_marketing", dies_on_the_second)
        with pytest.raises(RuntimeError):
            campaigns.send_batch(found.id, 2)
        monkeypatch.undo()
        # The dead batch left nothing behind: not the mail it had written, not its count.
        assert OutboxMessage.select().count() == 2 and Campaign.get_by_id(found.id).queued == 2

        guest("late@example.com", SHOP)  # consents after Send: not in the fixed audience
        assert campaigns.send_batch(found.id, 2) == 2
        assert campaigns.send_batch(found.id, 2) == 1
        assert campaigns.send_batch(found.id, 2) == 0  # finished: nothing more, ever
    recipients = [row.recipient for row in OutboxMessage.select()]
    assert sorted(recipients) == [f"reader{n}@example.com" for n in range(5)]
    done = Campaign.get_by_id(found.id)
    assert (done.status, done.total, done.queued) == (Campaign.SENT, 5, 5)
    assert deliver(app)["sent"] == 5
    assert sorted(m["To"] for m in smtp_sink.messages()) == sorted(recipients)


def test_the_command_queues_every_campaign_being_sent(app, runner, db):
    for n in range(3):
        guest(f"reader{n}@example.com", SHOP)
    found = campaign(audience="customers")
    campaigns.start(found.id)
    result = runner.invoke(args=["marketing", "send-campaigns", "--once", "--batch", "2"])
    assert result.exit_code == 0, result.output
    assert "queued 2" in result.output and "queued 1" in result.output
    assert Campaign.get_by_id(found.id).status == Campaign.SENT
    assert OutboxMessage.select().where(OutboxMessage.campaign_id == found.id).count() == 3


def test_a_withdrawal_after_queueing_withholds_the_mail(app, client, db, smtp_sink):
    for name in ("kim", "lou", "max"):
        guest(f"{name}@example.com", SHOP)
    found = campaign(audience="customers")
    assert campaigns.start(found.id)
    consent.record(SHOP, False, "optout_form", address="max@example.com")  # before its batch
    with app.app_context():
        found = queue_all(found)
    assert found.total == 3 and found.queued == 2
    # Lou uses the one-click link of the queued mail before the worker sends it.
    lou = OutboxMessage.get(OutboxMessage.recipient == "lou@example.com")
    response = client.post(urlsplit(lou.unsubscribe_url).path,
                           data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    outcome = deliver(app)
    assert (outcome["sent"], outcome["withheld"]) == (1, 1)
    assert [m["To"] for m in smtp_sink.messages()] == ["kim@example.com"]
    assert OutboxMessage.get_by_id(lou.id).status == OutboxMessage.WITHHELD
    assert campaigns.progress(found) == {"sent": 1, "pending": 0, "sending": 0,
                                         "withheld": 1, "failed": 0}


def test_the_form_says_what_is_wrong_next_to_the_field(client, db):
    Partner.create(slug="river", name="Riverbooks", privacy_url="https://r.example")
    make_staff("admin")
    staff_sign_in(client, "admin@staff.example.com")
    response = post_form(client, "/staff/marketing/campaigns",
                         {"subject": "", "body": "Hello", "purpose": SHOP})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Give the mail a subject." in page and "Choose at least one group of people." in page
    river = Partner.get().id
    response = post_form(client, "/staff/marketing/campaigns", {
        "subject": "Hi", "body": "Hello", "purpose": SHOP, "audience": ["registered"],
        "partner": str(river)})
    assert response.status_code == 400
    assert "Only a partner offer can be limited" in response.get_data(as_text=True)
    response = post_form(client, "/staff/marketing/campaigns", {
        "subject": "Hi", "body": "Hello", "purpose": "spam", "audience": ["everyone"]})
    assert response.status_code == 400 and Campaign.select().count() == 0
    assert client.get("/staff/marketing/campaigns/999999").status_code == 404
    assert client.get("/staff/marketing/campaigns/99999999999999").status_code == 404


def test_sending_twice_sends_once(app, client, db):
    guest("kim@example.com", SHOP)
    found = campaign(audience="customers")
    make_staff("marketing")
    staff_sign_in(client, "marketing@staff.example.com")
    page = f"/staff/marketing/campaigns/{found.id}"
    post_form(client, f"{page}/send", {}, token_page=page)
    response = post_form(client, f"{page}/send", {}, token_page=page, follow_redirects=True)
    assert "This campaign was sent already." in response.get_data(as_text=True)
    with app.app_context():
        campaigns.send_pending(200)
        campaigns.send_pending(200)
    assert OutboxMessage.select().count() == 1


@pytest.mark.parametrize("role, allowed", [("marketing", True), ("admin", True),
                                           ("care", False), ("fulfilment", False),
                                           ("legal", False)])
def test_only_marketing_and_admins_run_campaigns(client, db, role, allowed):
    found = campaign()
    make_staff(role)
    staff_sign_in(client, f"{role}@staff.example.com")
    for path in ("/staff/marketing/campaigns", f"/staff/marketing/campaigns/{found.id}"):
        assert client.get(path).status_code == (200 if allowed else 403)
    token_page = "/staff/marketing/campaigns" if allowed else "/staff/"
    response = post_form(client, f"/staff/marketing/campaigns/{found.id}/send", {},
                         token_page=token_page)
    assert response.status_code == (302 if allowed else 403)
    assert Campaign.get_by_id(found.id).status == (Campaign.SENDING if allowed
                                                   else Campaign.DRAFT)
