"""Gift card pages: buying one into the cart, and the throttled balance check."""
import html
import re
from datetime import timedelta

import pytest
import time_machine

from storefront.accounts.models import LoginAttempt
from storefront.cart.models import CartGiftCard
from storefront.giftcards import service
from storefront.giftcards.balance import MAX_FAILURES
from storefront.giftcards.models import GiftCard

from tests.factories import csrf_token, post_form
from tests.giftcards.test_service import issue_card

GIFT = {"amount": "5000", "other_amount": "", "recipient_name": "Grace Hopper",
        "recipient_email": "Grace@Example.COM", "sender_name": "Ada",
        "message": "Happy birthday!"}


def buy(client, **changes):
    return post_form(client, "/gift-cards/", {**GIFT, **changes})


def check(client, code):
    return post_form(client, "/gift-cards/balance", {"code": code})


def error_next_to(page, field_id):
    match = re.search(rf'id="{field_id}-error">([^<]*)<', page)
    return html.unescape(match.group(1)) if match else None


def test_the_page_explains_gift_cards_and_links_the_balance_check(client):
    page = client.get("/gift-cards/").get_data(as_text=True)
    assert "When the order is paid, we email the gift card's code to the recipient" in page
    assert "cannot pay for a gift card" in page
    assert 'href="/gift-cards/balance"' in page
    for cents in service.AMOUNT_CHOICES:
        assert f'value="{cents}"' in page
    assert "Another amount" in page


def test_buying_a_gift_card_puts_it_in_the_cart(client, db):
    response = buy(client)
    assert response.status_code == 302 and response.location.endswith("/cart/")
    card = CartGiftCard.get()
    assert (card.amount_cents, card.recipient_name, card.recipient_email, card.sender_name,
            card.message) == (5000, "Grace Hopper", "Grace@example.com", "Ada", "Happy birthday!")
    page = client.get("/cart/").get_data(as_text=True)
    assert "Added a $50.00 gift card for Grace Hopper to your cart." in page
    assert "Cart (1)" in page
    assert GiftCard.select().count() == 0  # issued only when the order is paid


def test_another_amount_is_taken_in_whole_dollars(client, db):
    assert buy(client, amount="other", other_amount=" 37 ").status_code == 302
    assert CartGiftCard.get().amount_cents == 3700


def test_a_message_of_300_characters_fits_counting_a_line_break_as_one(client, db):
    message = "a" * 149 + "\r\n" + "b" * 150
    assert buy(client, message=message).status_code == 302
    assert CartGiftCard.get().message == "a" * 149 + "\n" + "b" * 150


@pytest.mark.parametrize("changes, field, message", [
    ({"amount": ""}, "amount", "Choose an amount."),
    ({"amount": "1234"}, "amount", "Choose one of the amounts."),
    ({"amount": "other", "other_amount": ""}, "other_amount", "whole dollars"),
    ({"amount": "other", "other_amount": "12.50"}, "other_amount", "whole dollars"),
    ({"amount": "other", "other_amount": "forty"}, "other_amount", "whole dollars"),
    ({"amount": "other", "other_amount": "４０"}, "other_amount", "whole dollars"),
    ({"amount": "other", "other_amount": "9"}, "other_amount", "from $10 to $500"),
    ({"amount": "other", "other_amount": "501"}, "other_amount", "from $10 to $500"),
    ({"amount": "other", "other_amount": "9" * 40}, "other_amount", "whole dollars"),
    ({"recipient_name": "  "}, "recipient_name", "Enter the recipient's name."),
    ({"recipient_name": "x" * 121}, "recipient_name", "120"),
    ({"recipient_name": "Grace\r\nBcc: all"}, "recipient_name", "one line"),
    ({"recipient_email": ""}, "recipient_email", "Enter the recipient's email address."),
    ({"recipient_email": "grace.example.com"}, "recipient_email", "@-sign"),
    ({"sender_name": ""}, "sender_name", "Enter your name"),
    ({"message": "x" * 301}, "message", "300 characters or fewer"),
])
def test_every_mistake_is_shown_next_to_its_field_and_nothing_is_added(
        client, db, changes, field, message):
    response = buy(client, **changes)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    error = error_next_to(page, field)
    assert error and message in error, page
    assert re.search(rf'aria-describedby="[^"]*\b{field}-error"', page)
    assert CartGiftCard.select().count() == 0


def test_an_empty_form_shows_every_error_at_once_and_keeps_what_was_typed(client, db):
    response = buy(client, amount="other", other_amount="", recipient_name="",
                   recipient_email="", sender_name="", message="<b>hi</b>")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for field in ("other_amount", "recipient_name", "recipient_email", "sender_name"):
        assert error_next_to(page, field), field
    assert "&lt;b&gt;hi&lt;/b&gt;" in page and "<b>hi</b>" not in page


def test_a_forged_form_without_csrf_token_adds_nothing(client, db):
    client.get("/gift-cards/")
    response = client.post("/gift-cards/", data=GIFT)
    assert response.status_code == 400
    assert CartGiftCard.select().count() == 0


def test_the_balance_page_shows_balance_and_last_four_only_for_any_spelling(app, client, db):
    card, code = issue_card(app, 5000)
    service.redeem(card.id, 1300, "SF-2001")
    for spelling in (code, code.lower(), code.replace("-", " "), code.replace("-", "")):
        response = check(client, spelling)
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "$37.00" in page and f"ending in {card.last_four}" in page
        assert code.replace("-", "") not in page.upper().replace("-", "").replace(" ", "")
        assert "$50.00" not in page and "Grace" not in page


def test_unknown_malformed_and_spent_codes_get_one_identical_answer(app, client, db):
    spent, spent_code = issue_card(app, 1000)
    service.redeem(spent.id, 1000, "SF-2001")
    answers = set()
    for raw in ("ABCD-EFGH-JKMN-PQRS", "hello", "ABCD-EFGH-JKMN-PQR0", spent_code, "-" * 5000):
        response = check(client, raw)
        assert response.status_code == 400
        answers.add(error_next_to(response.get_data(as_text=True), "code"))
    assert answers == {service.UNKNOWN_CODE}


def test_an_empty_code_is_asked_for_and_not_counted(client, db):
    response = check(client, "   ")
    assert response.status_code == 400
    assert error_next_to(response.get_data(as_text=True), "code") == \
        "Enter the code from the gift card."
    assert LoginAttempt.select().count() == 0


def test_after_ten_wrong_codes_even_a_good_one_waits_for_the_window(app, client, db):
    card, code = issue_card(app, 5000)
    for _ in range(MAX_FAILURES):
        assert check(client, "ABCD-EFGH-JKMN-PQRS").status_code == 400
    start = LoginAttempt.select().order_by(LoginAttempt.at).first().at
    response = check(client, code)
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Too many failed attempts" in page and "$50.00" not in page
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        assert check(client, code).status_code == 429
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        response = check(client, code)
        assert response.status_code == 200 and "$50.00" in response.get_data(as_text=True)
    assert {(a.realm, a.ip) for a in LoginAttempt.select()} == {("giftcard", "127.0.0.1")}


def test_balance_check_needs_the_forms_csrf_token(client, db):
    token = csrf_token(client, "/gift-cards/balance")
    assert client.post("/gift-cards/balance", data={"code": "x"}).status_code == 400
    assert client.post("/gift-cards/balance",
                       data={"code": "x", "csrf_token": token}).status_code == 400
    assert LoginAttempt.select().count() == 1
