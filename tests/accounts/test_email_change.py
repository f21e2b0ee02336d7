"""Changing the account's email address: the password every time, the new address checked as
at registration and confirmed by a link sent to it before anything changes; then the mail the
account asked for follows it, the old address is told, and the other sessions end."""
import re
from datetime import timedelta

import time_machine

from storefront.accounts.models import AccountSession, Customer, LoginAttempt
from storefront.db import utcnow
from storefront.mail.models import OutboxMessage
from storefront.privacy import consent

from tests.factories import (PASSWORD, REGISTRATION, csrf_token, make_customer, post_form,
                             sign_in)

NEW = "Ada.Lovelace@Example.org"
STORED = "Ada.Lovelace@example.org"  # the domain is lower-cased
LINK = re.compile(r"https?://[^/\s]+(/account/email/confirm/[\w.-]+)")


def change(client, email=NEW, password=PASSWORD):
    return post_form(client, "/account/email", {"email": email, "password": password},
                     token_page="/account/")


def link_sent_to(address):
    """The path of the newest confirmation link in the mail queued for address."""
    message = (OutboxMessage.select().where(OutboxMessage.recipient == address,
                                            OutboxMessage.category == "email_confirm")
               .order_by(OutboxMessage.id.desc()).first())
    return LINK.search(message.body_text).group(1)


def confirm(client, path):
    """Open the link and press its button, as the signed-in customer does."""
    return client.post(path, data={"csrf_token": csrf_token(client, path)})


def error_of(response, field):
    html = response.get_data(as_text=True)
    start = html.index(f'id="{field}-error">') + len(f'id="{field}-error">')
    return html[start:html.index("</p>", start)]


def alert_of(response):
    html = response.get_data(as_text=True)
    return re.search(r'role="alert"><p>([^<]+)</p>', html).group(1)


def test_the_account_changes_only_when_the_new_address_confirms(app, client, db, smtp_sink):
    assert post_form(client, "/account/register", {**REGISTRATION, "email": "ada@example.com",
                                                   "shop_marketing": "y"}).status_code == 302
    customer = Customer.get()
    response = change(client)
    assert response.status_code == 302 and response.location == "/account/"
    flashed = client.get("/account/").get_data(as_text=True)
    assert f"We sent a link to {STORED}. Open it within 24 hours" in flashed
    # Nothing has changed yet, and the unconfirmed address was given no consent.
    assert Customer.get().email == "ada@example.com"
    assert sign_in(app.test_client()).status_code == 302
    assert not consent.allows("shop_marketing", None, STORED)
    assert consent.marketing_list() == ["ada@example.com"]

    app.test_cli_runner().invoke(args=["worker", "--once"])
    received = {message["To"]: message for message in smtp_sink.messages()
                if message["Subject"] != "You asked for mail from us"}
    assert set(received) == {STORED}  # the old address hears of it once it happens
    asked = received[STORED].get_body(("plain",)).get_content()
    assert "open this link within 24 hours, signed in to that account" in asked
    assert "Ada" not in asked.split("/account/email/confirm/")[0]  # the name stays out
    path = LINK.search(asked).group(1)

    page = client.get(path)
    assert page.status_code == 200
    assert f"Use {STORED}" in page.get_data(as_text=True)
    assert Customer.get().email == "ada@example.com"  # opening the link changes nothing
    response = confirm(client, path)
    assert response.status_code == 302 and response.location == "/account/"
    assert client.get_cookie("sf_last_email").value == STORED  # the login page offers it (P19)
    flashed = client.get("/account/").get_data(as_text=True)
    assert f"Your email address is now {STORED}. We wrote to ada@example.com to say so." in flashed
    assert (Customer.get().email, Customer.get().email_key) == (STORED, NEW.lower())
    other = app.test_client()
    assert sign_in(other, email="ada@example.com").status_code == 400
    assert sign_in(other, email="ada.lovelace@example.org").status_code == 302

    app.test_cli_runner().invoke(args=["worker", "--once"])
    told = [message for message in smtp_sink.messages() if message["To"] == "ada@example.com"
            and message["Subject"] == "The email address of your account was changed"]
    old_text = told[0].get_body(("plain",)).get_content()
    assert "was changed to A•••@example.org" in old_text and "care@example.com" in old_text
    assert "Lovelace" not in old_text  # whoever reads the old mailbox learns little of it
    assert {row.customer_id for row in OutboxMessage.select()
            .where(OutboxMessage.category.in_(["email_changed", "email_confirm"]))} == \
        {customer.id}
    # The marketing the account asked for goes to the confirmed address, not the old one.
    assert consent.marketing_list() == [NEW.lower()]
    assert consent.current(customer.id, STORED)["shop_marketing"]
    assert not consent.allows("shop_marketing", None, "ada@example.com")
    # The link works once.
    spent = client.get(path)
    assert spent.status_code == 400 and alert_of(spent) == (
        "This link has been used, or your email address has changed since it was sent.")


def test_the_link_works_only_for_the_account_signed_in_with_a_fresh_login(app, client, db):
    customer = make_customer()
    make_customer(email="bo@example.com")
    sign_in(client, remember="y")
    assert change(client).status_code == 302
    path = link_sent_to(STORED)

    stranger = app.test_client()  # not signed in: sign in first, then back to the link
    response = stranger.get(path)
    assert response.status_code == 302 and response.location.startswith("/account/login?next=")
    bo = app.test_client()
    sign_in(bo, email="bo@example.com")
    for response in (bo.get(path), confirm(bo, path)):
        assert response.status_code == 400
        assert alert_of(response).startswith("This link was sent for another account.")
    assert Customer.get_by_id(customer.id).email == "ada@example.com"

    client.delete_cookie("sf_session")  # the browser was closed; remember-me signs Ada in
    stale_post = client.post(path, data={"csrf_token": csrf_token(client, "/account/")})
    for response in (client.get(path), stale_post):
        assert response.status_code == 302
        assert response.location == f"/account/confirm?next={path}"
    assert Customer.get_by_id(customer.id).email == "ada@example.com"
    response = post_form(client, f"/account/confirm?next={path}", {"password": PASSWORD})
    assert response.status_code == 302 and response.location == path
    assert confirm(client, path).status_code == 302
    assert Customer.get_by_id(customer.id).email == STORED


def test_a_forged_altered_or_old_link_changes_nothing(app, client, db):
    make_customer()
    sign_in(client)
    change(client)
    path = link_sent_to(STORED)
    for forged in (path[:-2] + ("AA" if not path.endswith("AA") else "BB"),
                   "/account/email/confirm/not-a-token", path.replace(".", "x", 1)):
        response = client.get(forged)
        assert response.status_code == 400 and alert_of(response) == \
            "This link is not one we sent.", forged
    with time_machine.travel(utcnow() + timedelta(hours=25), tick=False):
        sign_in(client)
        response = confirm(client, path)
        assert response.status_code == 400
        assert alert_of(response).startswith("This link is more than 24 hours old.")
    assert Customer.get().email == "ada@example.com"


def test_an_address_taken_before_the_link_is_opened_is_refused(app, client, db):
    make_customer()
    sign_in(client)
    change(client)
    path = link_sent_to(STORED)
    make_customer(email=NEW)
    response = confirm(client, path)
    assert response.status_code == 400
    assert alert_of(response) == "Another account uses this email address."
    assert Customer.get(Customer.name == "Ada Shopper", Customer.email_key ==
                        "ada@example.com").email == "ada@example.com"


def test_confirming_ends_the_accounts_other_sessions(app, client, db):
    customer = make_customer()
    other_browser = app.test_client()
    sign_in(other_browser)
    sign_in(client)
    change(client)
    assert AccountSession.select().where(AccountSession.customer == customer).count() == 2
    confirm(client, link_sent_to(STORED))
    assert AccountSession.select().where(AccountSession.customer == customer).count() == 1
    assert "Signed in as" in client.get("/account/").get_data(as_text=True)
    assert other_browser.get("/account/").status_code == 302  # signed out there


def test_the_password_is_needed_and_a_wrong_one_counts_as_a_failed_sign_in(client, db):
    make_customer()
    sign_in(client)
    for password in ("", "not my password"):
        response = change(client, password=password)
        assert response.status_code == 400
    assert error_of(response, "password") == "Your password is not right."
    assert Customer.get().email == "ada@example.com" and OutboxMessage.select().count() == 0
    assert LoginAttempt.select().where(LoginAttempt.succeeded == False).count() == 1  # noqa: E712


def test_the_new_address_is_checked_like_at_registration(client, db):
    make_customer()
    make_customer(email="bo@example.com")
    sign_in(client)
    for email, message in (("not an address", "An email address must have an @-sign."),
                           ("BO@example.com", "Another account uses this email address."),
                           ("ADA@example.com", "This is already your email address.")):
        response = change(client, email=email)
        assert response.status_code == 400
        assert error_of(response, "email") == message
    assert [c.email for c in Customer.select().order_by(Customer.id)] == \
        ["ada@example.com", "bo@example.com"]
    assert OutboxMessage.select().count() == 0


def test_trying_the_addresses_of_other_accounts_is_throttled(client, db):
    make_customer()
    for number in range(30):
        Customer.create(name="Other", email=f"o{number}@example.com",
                        email_key=f"o{number}@example.com", password_hash="x")
    sign_in(client)
    for number in range(30):
        assert "Another account" in error_of(change(client, email=f"o{number}@example.com"),
                                             "email")
    assert "Too many failed attempts" in error_of(change(client, email="free@example.com"),
                                                  "email")
    assert OutboxMessage.select().count() == 0


def test_an_account_cannot_flood_an_address_with_links(client, db):
    make_customer()
    sign_in(client)
    for _ in range(5):
        assert change(client).status_code == 302
    response = change(client, email="someone.else@example.org")
    assert response.status_code == 400
    assert error_of(response, "email").startswith("We have sent several links in the last hour.")
    assert OutboxMessage.select().count() == 5


def test_a_remembered_browser_asks_for_the_change_with_the_password(app, client, db):
    make_customer()
    sign_in(client, remember="y")
    client.delete_cookie("sf_session")  # the browser was closed
    assert client.get("/account/cards/").status_code == 302  # not a fresh login
    assert change(client).status_code == 302
    assert client.get("/account/cards/").status_code == 200  # the password made it fresh
    assert confirm(client, link_sent_to(STORED)).status_code == 302
    assert Customer.get().email == STORED
