"""Changing the account's email address: the password every time, the new address checked as
at registration, both addresses told, the mail the account asked for following it."""
from storefront.accounts.models import Customer, LoginAttempt
from storefront.mail.models import OutboxMessage
from storefront.privacy import consent

from tests.factories import PASSWORD, REGISTRATION, make_customer, post_form, sign_in

NEW = "Ada.Lovelace@Example.org"
STORED = "Ada.Lovelace@example.org"  # the domain is lower-cased


def change(client, email=NEW, password=PASSWORD):
    return post_form(client, "/account/email", {"email": email, "password": password},
                     token_page="/account/")


def error_of(response, field):
    html = response.get_data(as_text=True)
    start = html.index(f'id="{field}-error">') + len(f'id="{field}-error">')
    return html[start:html.index("</p>", start)]


def test_the_new_address_signs_in_and_both_addresses_are_told(app, client, db, smtp_sink):
    assert post_form(client, "/account/register", {**REGISTRATION, "email": "ada@example.com",
                                                   "shop_marketing": "y"}).status_code == 302
    customer = Customer.get()
    response = change(client)
    assert response.status_code == 302 and response.location == "/account/"
    assert client.get_cookie("sf_last_email").value == STORED  # the login page offers it (P19)
    flashed = client.get("/account/").get_data(as_text=True)
    assert f"Your email address is now {STORED}. We wrote to ada@example.com to say so." in flashed
    assert (Customer.get().email, Customer.get().email_key) == (STORED, NEW.lower())
    # The next sign-in takes the new address only.
    other = app.test_client()
    assert sign_in(other, email="ada@example.com").status_code == 400
    assert sign_in(other, email="ada.lovelace@example.org").status_code == 302

    app.test_cli_runner().invoke(args=["worker", "--once"])
    received = {message["To"]: message for message in smtp_sink.messages()
                if message["Subject"] != "You asked for mail from us"}
    assert set(received) == {"ada@example.com", STORED}
    old_text = received["ada@example.com"].get_body(("plain",)).get_content()
    assert "was changed to A•••@example.org" in old_text and "care@example.com" in old_text
    assert "Lovelace" not in old_text  # whoever reads the old mailbox learns little of it
    new_text = received[STORED].get_body(("plain",)).get_content()
    assert "now uses this email address" in new_text
    assert {row.customer_id for row in OutboxMessage.select()
            .where(OutboxMessage.category == "email_changed")} == {customer.id}

    # The marketing the account asked for goes to the new address, not the old one.
    assert consent.marketing_list() == [NEW.lower()]
    assert consent.current(customer.id, STORED)["shop_marketing"]
    assert not consent.allows("shop_marketing", None, "ada@example.com")


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
    assert Customer.get(Customer.name == "Ada Shopper").email == "ada@example.com"


def test_a_remembered_browser_changes_the_address_with_the_password(app, client, db):
    make_customer()
    sign_in(client, remember="y")
    client.delete_cookie("sf_session")  # the browser was closed
    assert client.get("/account/cards/").status_code == 302  # not a fresh login
    assert change(client).status_code == 302
    assert Customer.get().email == STORED
    assert client.get("/account/cards/").status_code == 200  # the password made it fresh
