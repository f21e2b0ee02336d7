"""Fresh login (the Security section of the policy): a browser that kept its owner signed in,
or a password typed more than 30 minutes ago, is not enough to order or to change the saved
cards; the password is, and only the password."""
import re
from datetime import timedelta
from urllib.parse import quote

import pytest
import time_machine

from storefront.accounts.models import Customer, LoginAttempt
from storefront.db import utcnow
from storefront.orders.models import Order
from storefront.payments.models import SavedCard

from tests.factories import (PASSWORD, add_to_cart, choose_payment, csrf_token, fill_details,
                             make_customer, make_product, post_form, sign_in)

CONFIRM_CARDS = "/account/confirm?next=/account/cards/"


def close_browser(client):
    """The browser was closed: its session cookie is gone, the remember cookie stays."""
    client.delete_cookie("sf_session")


def is_fresh(client):
    """The saved cards page opens only for a fresh login; others are sent to confirm."""
    response = client.get("/account/cards/")
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert response.location == CONFIRM_CARDS
    return response.status_code == 200


def is_signed_in(client):
    return "Signed in as" in client.get("/account/").get_data(as_text=True)


def _hidden(html, name):
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or \
        re.search(rf'value="([^"]*)"[^>]*name="{name}"', html)
    assert match, html
    return match.group(1)


def review(client):
    """The review page's HTML."""
    response = client.get("/checkout/review")
    assert response.status_code == 200, response.location
    return response.get_data(as_text=True)


def asks_password(html):
    return 'autocomplete="current-password"' in html and 'name="password"' in html


def place(client, password=None, cvv="123"):
    """Post the review page's form as shown, with the password when one is given."""
    html = review(client)
    data = {"reviewed": _hidden(html, "reviewed"), "number": _hidden(html, "number"),
            "csrf_token": _hidden(html, "csrf_token"), "cvv": cvv}
    if password is not None:
        data["password"] = password
    return client.post("/checkout/place", data=data)


def to_review(client, product, **payment):
    """Cart, details and payment, as a signed-in customer does them."""
    add_to_cart(client, product)
    assert fill_details(client).status_code == 302
    assert choose_payment(client, **payment).status_code == 302


def failed_sign_ins():
    return LoginAttempt.select().where(LoginAttempt.realm == "customer",
                                       LoginAttempt.succeeded == False).count()  # noqa: E712


@pytest.fixture
def lamp(db):
    make_customer()
    return make_product(name="Brass Lamp", price_cents=2500, stock=10)


@pytest.mark.usefixtures("processor")
def test_a_remembered_browser_orders_only_once_the_password_is_typed(client, lamp):
    sign_in(client, remember="y")
    to_review(client, lamp, save="y")
    assert not asks_password(review(client))  # the password was typed just now
    assert place(client).status_code == 302
    card = SavedCard.get()

    close_browser(client)
    assert is_signed_in(client) and not is_fresh(client)
    to_review(client, lamp, pay_with=f"saved-{card.id}", number=None, expiry=None,
              holder=None)
    html = review(client)
    assert asks_password(html) and "This browser kept you signed in" in html
    number = _hidden(html, "number")

    missing = place(client)
    assert missing.status_code == 400
    assert 'id="password-error">Enter your password.' in missing.get_data(as_text=True)
    wrong = place(client, password="not my password")
    assert wrong.status_code == 400
    assert 'id="password-error">Your password is not right.' in wrong.get_data(as_text=True)
    assert Order.select().count() == 1 and failed_sign_ins() == 1

    # Nothing chosen was lost: the same order, same card, same number.
    html = review(client)
    assert _hidden(html, "number") == number and "Brass Lamp" in html
    placed = place(client, password=PASSWORD)
    assert placed.status_code == 302 and number in placed.location
    order = Order.get(Order.number == number)
    assert order.customer_id == Customer.get().id and order.card_last_four == "1111"
    # Typing it made the login fresh: the next order needs no password.
    to_review(client, lamp, pay_with=f"saved-{card.id}")
    assert not asks_password(review(client))
    assert place(client).status_code == 302 and Order.select().count() == 3


@pytest.mark.usefixtures("processor")
def test_a_password_typed_more_than_thirty_minutes_ago_is_asked_again(client, lamp):
    start = utcnow()
    sign_in(client)
    to_review(client, lamp)
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert not asks_password(review(client)) and is_fresh(client)
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        assert asks_password(review(client)) and not is_fresh(client)
        # Fresh at the review, stale at "Place order": asked there, the draft kept.
        assert place(client).status_code == 400
        assert place(client, password=PASSWORD).status_code == 302
    assert Order.select().count() == 1


def test_a_copied_remember_cookie_is_never_made_fresh_by_its_owner(app, client, lamp):
    sign_in(client, remember="y")
    thief = app.test_client()
    thief.set_cookie("sf_remember", client.get_cookie("sf_remember").value)
    assert is_signed_in(thief) and not is_fresh(thief)
    # The owner types the password in their own browser: only theirs is fresh.
    close_browser(client)
    assert not is_fresh(client)
    assert post_form(client, "/account/confirm", {"password": PASSWORD}).status_code == 302
    assert is_fresh(client) and not is_fresh(thief)


def test_a_copied_session_cookie_is_made_fresh_by_nothing_but_the_password(app, client, lamp):
    sign_in(client, remember="y")
    close_browser(client)
    assert is_signed_in(client)
    stale_copy = app.test_client()
    stale_copy.set_cookie("sf_session", client.get_cookie("sf_session").value)
    assert is_signed_in(stale_copy) and not is_fresh(stale_copy)
    # The owner confirms; the copy taken before stays stale, whatever time does.
    post_form(client, "/account/confirm", {"password": PASSWORD})
    assert is_fresh(client) and not is_fresh(stale_copy)
    with time_machine.travel(utcnow() + timedelta(minutes=5), tick=False):
        assert not is_fresh(stale_copy)
    # A fresh cookie carried to another browser is stale there (flask-login's session
    # protection: another browser or address).
    elsewhere = app.test_client()
    elsewhere.environ_base["HTTP_USER_AGENT"] = "Another browser/1.0"
    elsewhere.set_cookie("sf_session", client.get_cookie("sf_session").value)
    assert is_signed_in(elsewhere) and not is_fresh(elsewhere)
    # Only the password makes a copy fresh.
    assert post_form(stale_copy, "/account/confirm", {"password": PASSWORD},
                     token_page=CONFIRM_CARDS).status_code == 302
    assert is_fresh(stale_copy)


def test_wrong_passwords_at_the_confirm_page_count_against_the_login_throttle(client, lamp):
    sign_in(client, remember="y")
    close_browser(client)
    for _ in range(5):
        response = post_form(client, CONFIRM_CARDS, {"password": "a wrong guess"})
        assert response.status_code == 400
        assert 'id="password-error">Your password is not right.' in \
            response.get_data(as_text=True)
    assert failed_sign_ins() == 5
    # Now even the right password is refused for a while, here and at the sign-in page.
    response = post_form(client, CONFIRM_CARDS, {"password": PASSWORD})
    assert response.status_code == 400 and "Too many failed attempts" in \
        response.get_data(as_text=True)
    assert not is_fresh(client)
    other = client.application.test_client()
    assert "Too many failed attempts" in sign_in(other).get_data(as_text=True)


def test_a_cross_site_post_cannot_spend_the_owners_attempts(client, lamp):
    sign_in(client, remember="y")
    close_browser(client)
    client.get("/account/")
    response = client.post(CONFIRM_CARDS, data={"password": "a wrong guess"})
    assert response.status_code == 400 and failed_sign_ins() == 0


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/account/", "/\\evil.example", "\\\\evil.example",
    "javascript:alert(1)", "http:/evil.example", "/account/\r\nSet-Cookie: x=1",
    "evil.example", "/" + "a" * 2001,
])
def test_the_confirm_page_never_sends_anyone_off_the_site(client, lamp, target):
    sign_in(client, remember="y")
    close_browser(client)
    page = "/account/confirm?next=" + quote(target, safe="")
    html = client.get(page).get_data(as_text=True)
    assert "evil" not in html.split("<main", 1)[1]
    response = post_form(client, page, {"password": PASSWORD})
    assert response.status_code == 302 and response.location == "/account/"


def test_the_confirm_page_returns_to_the_page_the_customer_was_on(client, lamp):
    sign_in(client, remember="y")
    close_browser(client)
    response = client.get("/account/cards/")
    assert response.status_code == 302 and response.location == CONFIRM_CARDS
    html = client.get(CONFIRM_CARDS).get_data(as_text=True)
    assert "<h1>Confirm your password</h1>" in html and "ada@example.com" in html
    response = post_form(client, CONFIRM_CARDS, {"password": PASSWORD})
    assert response.status_code == 302 and response.location == "/account/cards/"
    assert "<h1>Saved cards</h1>" in client.get("/account/cards/").get_data(as_text=True)
    # Once fresh, the page does not ask again: it goes straight back.
    response = client.get("/account/confirm?next=/orders/")
    assert response.status_code == 302 and response.location == "/orders/"


def test_only_a_signed_in_customer_has_a_confirm_page(client, lamp):
    response = client.get(CONFIRM_CARDS)
    assert response.status_code == 302
    assert response.location.startswith("/account/login?next=")


@pytest.mark.usefixtures("processor")
def test_a_saved_card_is_removed_only_after_the_password(client, lamp):
    sign_in(client, remember="y")
    to_review(client, lamp, save="y")
    assert place(client).status_code == 302
    card = SavedCard.get()
    close_browser(client)
    token = csrf_token(client, "/account/")
    response = client.post(f"/account/cards/{card.id}/remove", data={"csrf_token": token})
    assert response.status_code == 302 and response.location == CONFIRM_CARDS
    assert SavedCard.select().count() == 1
    post_form(client, CONFIRM_CARDS, {"password": PASSWORD})
    assert post_form(client, f"/account/cards/{card.id}/remove", {},
                     token_page="/account/cards/").status_code == 302
    assert SavedCard.select().count() == 0


def test_changing_the_password_from_a_remembered_browser_needs_the_current_one(client, lamp):
    sign_in(client, remember="y")
    close_browser(client)
    new = {"new_password": "a brand new secret", "confirm": "a brand new secret"}
    response = post_form(client, "/account/password", {"current_password": "a guess", **new},
                         token_page="/account/")
    assert response.status_code == 400 and failed_sign_ins() == 1
    assert sign_in(client.application.test_client()).status_code == 302  # unchanged
    response = post_form(client, "/account/password", {"current_password": PASSWORD, **new},
                         token_page="/account/")
    assert response.status_code == 302
    assert sign_in(client, password="a brand new secret").status_code == 302


@pytest.mark.usefixtures("processor")
def test_guests_and_customers_who_just_signed_in_are_not_asked(app, lamp):
    guest = app.test_client()
    to_review(guest, lamp)
    assert not asks_password(review(guest))
    assert place(guest).status_code == 302
    newcomer = app.test_client()
    make_customer(email="bo@example.com")
    sign_in(newcomer, email="bo@example.com")
    to_review(newcomer, lamp)
    assert not asks_password(review(newcomer))
