"""Policy changes (P15): a version that adds a use takes effect POLICY_NOTICE_DAYS after it is
published at the earliest; every account and every address on the marketing list is told
once, with a one-click link to refuse the use; until the date the old version governs, after
it the use applies to everyone who did not refuse it."""
import os
import re
import subprocess
from datetime import timedelta

import pytest
import time_machine

from storefront.accounts.models import Customer
from storefront.db import utcnow
from storefront.mail.models import OutboxMessage
from storefront.privacy import consent, mailing, publishing
from storefront.privacy.models import PolicyVersion
from storefront.privacy.policy import current_version
from storefront.rights import policy_service
from tests.factories import make_customer, make_staff, post_form, staff_sign_in
from tests.sandbox import STOREFRONT

SHOP, PARTNER = consent.SHOP_MARKETING, consent.PARTNER_OFFERS
USE = "update_mail"
PAGE = "/staff/privacy/policy"


def publish(app, effective_at, adds_uses=USE, label="2", recipients=(), now=None, **fields):
    with app.test_request_context():
        return publishing.publish(label, fields.get("summary", "We will mail product updates."),
                                  fields.get("body", ""), adds_uses, effective_at, None,
                                  recipients, now=now)


def refusal(app, **kwargs):
    with pytest.raises(publishing.PublishError) as caught:
        publish(app, **kwargs)
    return caught.value.field, str(caught.value)


def deliver(database_url, sink):
    """`storefront worker --once` as its own process."""
    environment = {**os.environ, "DATABASE_URL": database_url, "SMTP_URL": sink.url}
    done = subprocess.run([STOREFRONT, "worker", "--once"], env=environment,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def people():
    """Two accounts (one also on the list by address, in other letters), a third account
    that was erased, a guest on the list, a guest who left it."""
    ada = make_customer(email="ada@example.com")
    bob = make_customer(name="Bob Buyer", email="bob@example.com")
    gone = make_customer(name="Gone", email="gone@example.com")
    Customer.update(erased_at=utcnow()).where(Customer.id == gone.id).execute()
    consent.record(SHOP, True, "checkout", address="ADA@Example.com")
    consent.record(PARTNER, True, "contest", address="gus@example.com")
    consent.record(SHOP, True, "checkout", address="left@example.com")
    consent.record(SHOP, False, "email_link", address="left@example.com")
    return ada, bob


def publish_through_the_page(client, moment, **fields):
    data = {"label": "2026-05", "summary": "We will mail you updates about products you bought.",
            "body": "", "adds_uses": USE, "effective_at": moment.strftime("%Y-%m-%dT%H:%M"),
            **fields}
    return post_form(client, PAGE, data)


# --- The rules of publishing ------------------------------------------------------------

def test_a_version_adding_a_use_waits_the_notice_days_and_one_adding_none_may_apply_at_once(
        app, db):
    wording = publish(app, None, adds_uses="", summary="Clearer wording.")
    assert wording.effective_at <= utcnow() and current_version().label == "2"
    now = utcnow()
    field, message = refusal(app, effective_at=now + timedelta(days=29), label="3", now=now)
    assert field == "effective_at" and "at least 30 days after it is published" in message
    assert refusal(app, effective_at=None, label="3")[0] == "effective_at"
    version = publish(app, now + timedelta(days=30), label="3", now=now)
    assert version.adds_uses == USE and current_version().label == "2"


def test_the_notice_days_are_a_setting(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "POLICY_NOTICE_DAYS", 45)
    now = utcnow()
    assert "at least 45 days" in refusal(app, effective_at=now + timedelta(days=44), now=now)[1]
    assert publish(app, now + timedelta(days=45), now=now)


def test_labels_are_unique_and_uses_are_new_lowercase_keys(app, db):
    later = utcnow() + timedelta(days=31)
    publish(app, later)
    assert refusal(app, effective_at=later)[0] == "label"
    assert "already published" in refusal(app, effective_at=later, label="1", adds_uses="")[1]
    for bad in ("Update_Mail", "up", "9lives", "update-mail", "a" * 41):
        field, message = refusal(app, effective_at=later, label="3", adds_uses=bad)
        assert field == "adds_uses" and "is not a use key" in message, bad
    assert "one of the shop's own purposes" in refusal(
        app, effective_at=later, label="3", adds_uses=SHOP)[1]
    assert "already adds update_mail" in refusal(
        app, effective_at=later + timedelta(days=1), label="3", adds_uses=f"reviews, {USE}")[1]
    field, message = refusal(app, effective_at=utcnow() + timedelta(minutes=1), label="3",
                             adds_uses="")
    assert field == "effective_at" and "Version 2 takes effect on" in message
    assert PolicyVersion.select().count() == 1


# --- The notice -------------------------------------------------------------------------

def test_the_notice_goes_once_to_every_account_and_every_address_on_the_list(app, db):
    ada, bob = people()
    assert consent.marketing_list() == ["ada@example.com", "gus@example.com"]
    recipients = policy_service.notice_recipients()
    assert ("gone@example.com", Customer.get(Customer.email == "gone@example.com").id) \
        not in recipients
    version = publish(app, utcnow() + timedelta(days=31), recipients=recipients)
    notices = list(OutboxMessage.select().order_by(OutboxMessage.recipient))
    assert [(n.recipient, n.customer_id) for n in notices] == [
        ("ada@example.com", ada.id), ("bob@example.com", bob.id), ("gus@example.com", None)]
    for notice in notices:
        assert (notice.category, notice.purpose, notice.unsubscribe_url) == \
            ("policy_notice", "", "")  # a service message, not marketing
        assert "We will mail product updates." in notice.body_text
        assert f"{version.effective_at.day} " in notice.subject


def test_the_link_in_the_notice_refuses_the_new_use_without_cookies(
        app, db, smtp_sink, database_url):
    ada, _ = people()
    publish(app, utcnow() + timedelta(days=31), recipients=policy_service.notice_recipients())
    deliver(database_url, smtp_sink)
    received = {m["To"]: m for m in smtp_sink.messages()}
    assert sorted(received) == ["ada@example.com", "bob@example.com", "gus@example.com"]
    text = received["ada@example.com"].get_body(("plain",)).get_content()
    html = received["ada@example.com"].get_body(("html",)).get_content()
    link = re.search(re.escape(app.config["SHOP_URL"]) + r"/unsubscribe/[\w.-]+", text).group(0)
    assert f'href="{link}"' in html and "- Update mail." in text
    response = app.test_client(use_cookies=False).post(link.removeprefix(
        app.config["SHOP_URL"]), data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "update mail" in response.get_data(as_text=True)
    [event] = consent.history(ada.id, ada.email)[:1]
    assert (event.purpose, event.given, event.channel, event.customer_id) == \
        (USE, False, "email_link", ada.id)


# --- Who has the new use, before and after its date ---------------------------------------

def test_the_use_applies_from_its_date_to_everyone_but_those_who_refused_it(app, db):
    ada, bob = people()
    effective = utcnow() + timedelta(days=31)
    publish(app, effective, recipients=policy_service.notice_recipients())
    gus = "gus@example.com"
    with app.test_request_context():
        token = mailing.unsubscribe_url(USE, bob.id, bob.email).rsplit("/", 1)[1]
        assert [e.purpose for e in mailing.unsubscribe(token)] == [USE]
    everyone = [(ada.id, ada.email), (bob.id, bob.email), (None, gus)]
    assert not any(consent.allows(USE, *person) for person in everyone)
    assert USE not in consent.current(ada.id, ada.email)
    assert current_version().label == "1"

    with time_machine.travel(effective + timedelta(minutes=1), tick=False):
        assert current_version().label == "2"
        assert [consent.allows(USE, *person) for person in everyone] == [True, False, True]
        assert consent.current(ada.id, ada.email)[USE] is True
        assert consent.current(bob.id, bob.email)[USE] is False
        assert not consent.allows(SHOP, bob.id, bob.email)  # built-ins still need an event
        # Mail of the new use goes out to Gus, and he stops it after the date.
        with app.test_request_context():
            row = mailing.enqueue_marketing(gus, USE, "update", "An update", "partner_offer",
                                            title="Lamps", offer="Your lamp has a new shade.")
        assert row is not None and mailing.still_wanted(row)
        consent.withdraw_all("email_link", address=gus, purposes=[USE])
        assert not consent.allows(USE, address=gus) and not mailing.still_wanted(row)
        on_the_list = consent.marketing_list()
        assert "ada@example.com" in on_the_list and bob.email not in on_the_list


def test_the_marketing_list_follows_the_latest_choice_of_each_address(app, db):
    consent.record(SHOP, True, "checkout", address="a@example.com")
    consent.record(SHOP, False, "account", address="a@example.com")
    consent.record(PARTNER, True, "contest", address="a@example.com")
    consent.record(SHOP, True, "checkout", address="b@example.com")
    consent.record(SHOP, False, "phone", address="b@example.com")
    consent.record(PARTNER, True, "contest", address="c@example.com")
    consent.record(PARTNER, False, "email_link", address="C@EXAMPLE.COM")
    consent.record(SHOP, True, "registration", customer_id=7)  # no address: the account's
    assert consent.marketing_list() == ["a@example.com"]


# --- The privacy page renders the body safely --------------------------------------------

def test_the_body_is_rendered_from_markdown_without_scripts(app, db, client):
    body = ("# What changed\n\nWe now mail **updates**.\n\n<script>alert('x')</script>\n\n"
            "[a link](javascript:alert(1)) and [ours](https://example.com/terms)\n\n"
            "<img src=x onerror=alert(2)>")
    publish(app, None, adds_uses="", body=body)
    html = client.get("/privacy").get_data(as_text=True)
    shown = html.split('<div class="policy-body">')[1].split("</div>")[0]
    assert "<h2>What changed</h2>" in shown and "<strong>updates</strong>" in shown
    assert '<a href="https://example.com/terms" rel="noopener noreferrer">ours</a>' in shown
    assert "<script" not in shown and "<img" not in shown and 'href="javascript' not in shown
    assert "&lt;script&gt;" in shown  # what staff typed is shown as text, never run


# --- The staff page -----------------------------------------------------------------------

@pytest.mark.parametrize("role", ["care", "marketing", "fulfilment", "partner"])
def test_only_legal_and_admin_reach_the_policy_page(app, db, client, role):
    make_staff(role)
    staff_sign_in(client, f"{role}@staff.example.com")
    assert client.get(PAGE).status_code == 403
    response = post_form(client, PAGE, {"label": "x", "summary": "y"}, token_page="/staff/")
    assert response.status_code == 403 and PolicyVersion.select().count() == 0


@pytest.mark.parametrize("role", ["legal", "admin"])
def test_legal_and_admin_publish_from_the_page_and_see_which_version_governs(
        app, db, client, role):
    ada, bob = people()
    staff = make_staff(role)
    staff_sign_in(client, f"{role}@staff.example.com")
    effective = (utcnow() + timedelta(days=31)).replace(second=0, microsecond=0)
    response = publish_through_the_page(client, effective)
    assert response.status_code == 302 and response.location.endswith(PAGE)
    version = PolicyVersion.get(PolicyVersion.label == "2026-05")
    assert (version.effective_at, version.adds_uses, version.published_by_id) == \
        (effective, USE, staff.id)
    assert OutboxMessage.select().where(OutboxMessage.category == "policy_notice").count() == 3
    html = client.get(PAGE).get_data(as_text=True)
    assert "is published" in html
    rows = re.findall(r"<tr>\s*<td>(.*?)</td>.*?<td>([^<]*)</td>\s*</tr>", html, re.S)
    assert ("2026-05", "Waiting for its date") in [(label, status) for label, status in rows]
    assert f"{staff.name} &lt;{staff.email}&gt;" in html
    assert re.search(r"<td>1</td>.*?<strong>In force now</strong>", html, re.S)


def test_the_form_says_what_is_wrong_next_to_each_field(app, db, client):
    make_staff("legal")
    staff_sign_in(client, "legal@staff.example.com")
    response = publish_through_the_page(client, utcnow() + timedelta(days=29),
                                        label="", summary="")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="label-error">Give the version a label.' in html
    assert 'id="summary-error">Say in a few words what changes' in html
    response = publish_through_the_page(client, utcnow() + timedelta(days=29))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r'id="effective_at-error">A version that adds a use takes effect at '
                     r"least 30 days after it is published", html)
    response = publish_through_the_page(client, utcnow(), effective_at="next tuesday",
                                        adds_uses="Bad Key")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="effective_at-error">Enter a date and time like 2026-05-01 09:00.' in html
    assert PolicyVersion.select().count() == 0 and OutboxMessage.select().count() == 0


def test_a_use_applies_only_to_the_people_told_of_it_in_advance(app, db):
    """Nobody gets a new use without the full notice: not an address the shop never wrote
    to, not someone who left the list, not an account opened when less than the notice
    period was left; an account opened while the whole period is still ahead is told."""
    ada, bob = people()
    now = utcnow()
    with app.test_request_context():
        publish(app, now + timedelta(days=60), recipients=policy_service.notice_recipients(),
                now=now)
        with time_machine.travel(now + timedelta(days=10), tick=False):
            early = make_customer(name="Early Comer", email="early@example.com")
        with time_machine.travel(now + timedelta(days=45), tick=False):
            late = make_customer(name="Late Comer", email="late@example.com")
    told = {m.recipient for m in
            OutboxMessage.select().where(OutboxMessage.category == "policy_notice")}
    assert "early@example.com" in told and "late@example.com" not in told
    with time_machine.travel(now + timedelta(days=61), tick=False):
        assert consent.allows(USE, ada.id, ada.email)
        assert consent.allows(USE, early.id, early.email)
        assert not consent.allows(USE, late.id, late.email)
        assert consent.allows(USE, address="gus@example.com")
        assert not consent.allows(USE, address="stranger@example.com")
        assert not consent.allows(USE, address="left@example.com")
        assert consent.current(address="stranger@example.com")[USE] is False
        listed = consent.marketing_list()
        assert "stranger@example.com" not in listed and "early@example.com" in listed


def test_an_address_told_as_a_list_member_can_open_an_account_before_the_date(app, db):
    """Told once by address, then registering: no second notice, no error."""
    consent.record(SHOP, True, "checkout", address="gus@example.com")
    now = utcnow()
    with app.test_request_context():
        publish(app, now + timedelta(days=60), recipients=policy_service.notice_recipients(),
                now=now)
        gus = make_customer(name="Gus", email="gus@example.com")
    notices = OutboxMessage.select().where(OutboxMessage.category == "policy_notice")
    assert [m.recipient for m in notices] == ["gus@example.com"]
    with time_machine.travel(now + timedelta(days=61), tick=False):
        assert consent.allows(USE, gus.id, gus.email)


def test_every_way_to_opt_out_refuses_the_new_uses_too(app, client, db):
    """P20: the public form and care's "stop all" refuse a use a policy adds, not only its
    own link."""
    consent.record(SHOP, True, "checkout", address="gus@example.com")
    consent.record(SHOP, True, "checkout", address="ann@example.com")
    now = utcnow()
    with app.test_request_context():
        publish(app, now + timedelta(days=30), recipients=policy_service.notice_recipients(),
                now=now)
    post_form(client, "/privacy/opt-out", {"email": "gus@example.com", "stop_new_uses": "y"})
    consent.withdraw_all("phone", address="ann@example.com", staff_id=1)
    with time_machine.travel(now + timedelta(days=31), tick=False):
        assert not consent.allows(USE, address="gus@example.com")
        assert consent.allows(SHOP, address="gus@example.com")
        assert not consent.allows(USE, address="ann@example.com")


def test_an_effective_date_years_away_is_refused(app, db):
    field, message = refusal(app, effective_at=utcnow() + timedelta(days=3650))
    assert field == "effective_at" and "two years" in message


def test_my_account_shows_an_announced_use_and_refuses_it(app, client, db):
    from tests.factories import sign_in
    ada = make_customer(email="ada@example.com")
    now = utcnow()
    with app.test_request_context():
        publish(app, now + timedelta(days=30), recipients=policy_service.notice_recipients(),
                now=now)
    sign_in(client)
    html = client.get("/account/preferences").get_data(as_text=True)
    box = html[html.index(f'name="use-{USE}"') - 60:][:160]
    assert "checked" in box  # told in advance: it will apply unless refused
    post_form(client, "/account/preferences", {})
    with time_machine.travel(now + timedelta(days=31), tick=False):
        assert not consent.allows(USE, ada.id, ada.email)
    assert consent.history(ada.id, ada.email)[0].channel == "account"
