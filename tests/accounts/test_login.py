"""Signing in and out (P9, P19): server-side sessions, remember-me, throttling, safe redirects."""
from datetime import timedelta
from pathlib import Path

import time_machine

from storefront.accounts.models import AccountSession, Customer, LoginAttempt
from storefront.db import utcnow

from tests.factories import PASSWORD, make_customer, post_form, sign_in


def is_signed_in(client):
    return "Signed in as" in client.get("/account/").get_data(as_text=True)


def test_sign_in_opens_a_server_side_session_in_a_fresh_cookie(client, db):
    make_customer()
    client.get("/account/login")
    before = client.get_cookie("sf_session").value
    response = sign_in(client)
    assert response.status_code == 302 and response.location.endswith("/account/")
    assert client.get_cookie("sf_session").value != before
    assert AccountSession.select().count() == 1
    assert is_signed_in(client)
    session_row = AccountSession.get()
    assert session_row.customer.email == "ada@example.com" and session_row.ip == "127.0.0.1"


def test_wrong_password_and_unknown_email_get_the_same_answer(client, db):
    make_customer()
    wrong = sign_in(client, password="not the password").get_data(as_text=True)
    unknown = sign_in(client, email="nobody@example.com").get_data(as_text=True)
    message = "The email or password is not right."
    assert message in wrong and message in unknown
    assert not is_signed_in(client)
    assert LoginAttempt.select().where(LoginAttempt.succeeded == False).count() == 2  # noqa: E712
    assert not any("example.com" in attempt.subject for attempt in LoginAttempt.select())


def test_email_is_matched_whatever_its_case(client, db):
    make_customer(email="Ada@Example.com")
    assert sign_in(client, email="ADA@example.COM").status_code == 302


def test_login_page_prefills_the_last_email_used_on_this_browser(client, db):
    make_customer()
    sign_in(client)
    cookie = client.get_cookie("sf_last_email")
    assert cookie.value == "ada@example.com" and cookie.http_only and cookie.same_site == "Lax"
    html = client.get("/account/login").get_data(as_text=True)
    assert 'value="ada@example.com"' in html


def test_remember_me_cookie_is_safe_and_lasts_at_most_30_days(client, db):
    make_customer()
    sign_in(client, remember="y")
    cookie = client.get_cookie("sf_remember")
    assert cookie.http_only and cookie.same_site == "Lax"
    assert cookie.max_age is None or cookie.max_age <= 30 * 86400
    assert cookie.expires is not None
    # The browser is closed: the session cookie is gone, the remember cookie signs us in.
    client.delete_cookie("sf_session")
    assert is_signed_in(client)


def test_logout_invalidates_a_copied_session_cookie(app, client, db):
    make_customer()
    sign_in(client, remember="y")
    copied_session = client.get_cookie("sf_session").value
    copied_remember = client.get_cookie("sf_remember").value
    post_form(client, "/account/logout", {}, token_page="/account/")
    assert not is_signed_in(client)
    thief = app.test_client()
    thief.set_cookie("sf_session", copied_session)
    assert not is_signed_in(thief)
    thief = app.test_client()
    thief.set_cookie("sf_remember", copied_remember)
    assert not is_signed_in(thief)


def test_logout_ends_every_session_of_the_account(app, client, db):
    make_customer()
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop)
    sign_in(phone)
    assert AccountSession.select().count() == 2
    post_form(laptop, "/account/logout", {}, token_page="/account/")
    assert AccountSession.select().count() == 0
    assert not is_signed_in(phone)


def test_changing_the_password_ends_every_session(app, client, db):
    make_customer()
    other = app.test_client()
    sign_in(client)
    sign_in(other)
    response = post_form(client, "/account/password", {
        "current_password": PASSWORD, "new_password": "a brand new secret",
        "confirm": "a brand new secret"}, token_page="/account/")
    assert response.status_code == 302 and response.location.endswith("/account/login")
    assert not is_signed_in(other) and not is_signed_in(client)
    assert "not right" in sign_in(client).get_data(as_text=True)  # the old password is dead
    assert sign_in(client, password="a brand new secret").status_code == 302


def test_password_change_needs_the_current_password(client, db):
    make_customer()
    sign_in(client)
    response = post_form(client, "/account/password", {
        "current_password": "wrong one", "new_password": "a brand new secret",
        "confirm": "a brand new secret"}, token_page="/account/")
    assert response.status_code == 400
    assert 'id="current_password-error">Your current password is not right.' in \
        response.get_data(as_text=True)
    assert is_signed_in(client)


def test_login_is_throttled_per_account(app, client, db):
    make_customer()
    for _ in range(5):
        sign_in(app.test_client(), password="wrong password")
    response = sign_in(client)  # even the right password waits
    assert response.status_code == 400
    assert "Too many failed attempts" in response.get_data(as_text=True)
    with time_machine.travel(Customer.get().created_at + timedelta(minutes=16), tick=False):
        assert sign_in(app.test_client()).status_code == 302


def test_a_success_resets_the_account_count(app, client, db):
    make_customer()
    for _ in range(4):
        sign_in(app.test_client(), password="wrong password")
    assert sign_in(app.test_client()).status_code == 302
    for _ in range(4):
        sign_in(app.test_client(), password="wrong password")
    assert sign_in(client).status_code == 302


def test_login_is_throttled_per_ip(app, client, db):
    make_customer()
    for number in range(30):
        sign_in(app.test_client(), email=f"guess{number}@example.com", password="guess")
    response = sign_in(client)
    assert "Too many failed attempts" in response.get_data(as_text=True)
    elsewhere = app.test_client()
    response = post_form(elsewhere, "/account/login",
                         {"email": "ada@example.com", "password": PASSWORD},
                         environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert response.status_code == 302


def test_next_only_redirects_to_local_paths(client, db):
    make_customer()
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example",
                   "javascript:alert(1)", "http:/evil"):
        client.get("/")
        response = post_form(client, f"/account/login?next={target}",
                             {"email": "ada@example.com", "password": PASSWORD})
        assert response.location.endswith("/account/"), target
        post_form(client, "/account/logout", {}, token_page="/account/")
    response = post_form(client, "/account/login?next=/cart/",
                         {"email": "ada@example.com", "password": PASSWORD})
    assert response.location.endswith("/cart/")


def test_my_account_requires_sign_in(client, db):
    response = client.get("/account/")
    assert response.status_code == 302 and "/account/login?next=/account/" in response.location


def test_my_account_edits_name_phones_and_addresses(client, db):
    customer = make_customer()
    sign_in(client)
    post_form(client, "/account/name", {"name": "Ada Lovelace"}, token_page="/account/")
    post_form(client, "/account/phones", {"day_phone": "", "evening_phone": "217-555-0199"},
              token_page="/account/")
    post_form(client, "/account/address/shipping", {
        "shipping-address-name": "Ada Lovelace", "shipping-address-line1": "2 New Road",
        "shipping-address-city": "Chicago", "shipping-address-postal_code": "60601",
        "shipping-address-country": "US"}, token_page="/account/")
    customer = Customer.get_by_id(customer.id)
    assert customer.name == "Ada Lovelace"
    assert [(p.kind, p.number) for p in customer.phones] == [("evening", "+12175550199")]
    assert customer.address("shipping").line1 == "2 New Road"
    html = client.get("/account/").get_data(as_text=True)
    assert "+1 217-555-0199" in html and 'value="2 New Road"' in html


def test_my_account_rejects_bad_values_next_to_the_field(client, db):
    make_customer()
    sign_in(client)
    response = post_form(client, "/account/phones", {"day_phone": "123", "evening_phone": ""},
                         token_page="/account/")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="day_phone-error">This is not a valid phone number.' in html
    response = post_form(client, "/account/address/billing", {
        "billing-address-name": "A", "billing-address-line1": "1 Road",
        "billing-address-city": "X", "billing-address-postal_code": "nope",
        "billing-address-country": "US"}, token_page="/account/")
    assert 'id="billing-address-postal_code-error">This is not a valid postal code' in \
        response.get_data(as_text=True), response.get_data(as_text=True)


def test_sign_in_attempts_are_kept_thirty_days(client, db):
    make_customer()
    sign_in(client, password="wrong password")
    first = LoginAttempt.get()
    with time_machine.travel(first.at + timedelta(days=31), tick=False):
        sign_in(client)
    assert [attempt.succeeded for attempt in LoginAttempt.select()] == [True]


def test_sessions_expire_on_the_server(app, db):
    make_customer()
    remembered, plain = app.test_client(), app.test_client()
    sign_in(remembered, remember="y")
    sign_in(plain)
    start = utcnow()
    with time_machine.travel(start + timedelta(hours=11), tick=False):
        assert is_signed_in(plain) and is_signed_in(remembered)
    with time_machine.travel(start + timedelta(hours=11 + 13), tick=False):
        assert not is_signed_in(plain)  # idle for more than 12 hours
        assert is_signed_in(remembered)
    with time_machine.travel(start + timedelta(days=30, minutes=1), tick=False):
        assert not is_signed_in(remembered)  # "keep me signed in" lasts 30 days at most
    assert AccountSession.select().count() == 0


def test_logout_deletes_the_remember_cookie_from_the_browser(client, db):
    make_customer()
    sign_in(client, remember="y")
    assert client.get_cookie("sf_remember") is not None
    post_form(client, "/account/logout", {}, token_page="/account/")
    assert client.get_cookie("sf_remember") is None


def test_signed_in_pages_are_never_cached(client, db):
    make_customer()
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    sign_in(client)
    for path in ("/", "/account/", "/cart/"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path


def test_guessing_the_current_password_is_throttled(client, db):
    make_customer()
    sign_in(client)
    for _ in range(5):
        post_form(client, "/account/password", {
            "current_password": "guess", "new_password": "a brand new secret",
            "confirm": "a brand new secret"}, token_page="/account/")
    response = post_form(client, "/account/password", {
        "current_password": PASSWORD, "new_password": "a brand new secret",
        "confirm": "a brand new secret"}, token_page="/account/")
    assert "Too many failed attempts" in response.get_data(as_text=True)
    assert sign_in(client.application.test_client()).status_code == 400  # the account waits


def test_images_keep_their_caching_for_signed_in_people(app, client, db):
    media = Path(app.config["INSTANCE_PATH"]) / "media"
    media.mkdir(parents=True, exist_ok=True)
    (media / "y.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    make_customer()
    sign_in(client)
    with client.get("/media/y.svg") as response:
        assert "public" in response.headers["Cache-Control"]
