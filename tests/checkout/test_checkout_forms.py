"""Bad input at checkout: a clear message next to the field, nothing lost, never a 500."""
import json
import re

import pytest

from storefront.orders.models import Order
from storefront.payments.models import Payment

from tests.factories import (add_to_cart, choose_payment, fill_details, make_customer,
                             make_product, place_order, post_form, sign_in)

pytestmark = pytest.mark.usefixtures("processor")


def error_of(response, field_id):
    match = re.search(rf'id="{field_id}-error">([^<]*)<', response.get_data(as_text=True))
    return match.group(1) if match else None


@pytest.fixture
def in_checkout(client, db):
    add_to_cart(client, make_product(name="Brass Lamp", stock=5))
    return client


def test_an_empty_cart_sends_the_shopper_back_to_the_cart(client, db):
    for path in ("/checkout/", "/checkout/payment"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/cart/"


def test_every_details_problem_is_shown_next_to_its_field(in_checkout):
    response = fill_details(in_checkout, email="not-an-email", phone="12",
                            **{"shipping-postal_code": "ABCDE", "method": "teleport"})
    assert response.status_code == 400
    assert "email" in error_of(response, "email").lower()
    assert error_of(response, "phone")
    assert "postal code" in error_of(response, "shipping-postal_code")
    assert "shipping method" in response.get_data(as_text=True)
    # What was typed is kept.
    assert 'value="2 Elm Street"' in response.get_data(as_text=True)


def test_every_card_problem_is_shown_next_to_its_field(in_checkout):
    fill_details(in_checkout)
    response = choose_payment(in_checkout, number="4111 1111 1111 1112", expiry="01/20",
                              holder="")
    assert response.status_code == 400
    assert error_of(response, "number") and error_of(response, "expiry")
    assert error_of(response, "holder_name") == "Enter the name as printed on the card."
    response = choose_payment(in_checkout, number="4111١111 1111 1111")  # an Arabic digit
    assert response.status_code == 400 and error_of(response, "number")


def test_a_missing_or_malformed_cvv_stops_the_order_before_the_processor(in_checkout):
    fill_details(in_checkout)
    choose_payment(in_checkout)
    for cvv in ("", "12", "12a", "1234"):
        response = place_order(in_checkout, cvv=cvv)
        assert response.status_code == 400
        assert "security code" in error_of(response, "cvv")
    assert Order.select().count() == 0 and Payment.select().count() == 0


def test_steps_cannot_be_skipped(in_checkout):
    assert in_checkout.get("/checkout/payment").headers["Location"] == "/checkout/"
    assert in_checkout.get("/checkout/review").headers["Location"] == "/checkout/"
    response = post_form(in_checkout, "/checkout/place", {"reviewed": "x"},
                         token_page="/cart/")
    assert response.headers["Location"] == "/checkout/" and Order.select().count() == 0


@pytest.mark.parametrize("number", ["XXXX", "ABCD-EFGH", "A" * 500, "%E2%91%A0", "..%2F"])
def test_garbage_order_numbers_are_not_found(client, db, number):
    assert client.get(f"/checkout/done/{number}").status_code == 404
    make_customer()
    sign_in(client)
    assert client.get(f"/account/orders/{number}").status_code == 404


def test_a_nul_byte_in_an_order_number_is_a_bad_request(client, db):
    assert client.get("/checkout/done/%00").status_code == 400


def test_a_tampered_or_foreign_choice_is_refused_cleanly(in_checkout):
    fill_details(in_checkout)
    response = choose_payment(in_checkout, pay_with="saved-999999")
    assert response.status_code == 400 and error_of(response, "pay_with")


@pytest.mark.parametrize("field, data", [
    ("promo_code", {"promo_code": "4111 1111 1111 1111"}),
    ("promo_code", {"promo_code": "4111-1111-1111"}),
    ("expiry", {"expiry": "4111111111111111"}),
    ("holder_name", {"holder": "Gus 4111 1111 1111 1111"}),
    ("gift_code", {"gift_code": "4111 1111 1111 1111"}),
])
def test_a_card_number_typed_in_another_payment_field_is_never_written_back(
        in_checkout, field, data):
    fill_details(in_checkout)
    response = choose_payment(in_checkout, number="4111 1111 1111 1111", **data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and error_of(response, field), html
    assert "4111" not in html and "1111-1111" not in html
    with in_checkout.session_transaction() as session:
        assert "4111" not in json.dumps(session.get("checkout"))


def test_a_promotion_code_that_looks_like_a_card_number_is_refused_without_repeating_it(
        in_checkout):
    fill_details(in_checkout)
    response = choose_payment(in_checkout, promo_code="5555 5555 5555 4444")
    assert response.status_code == 400
    assert "card number" in error_of(response, "promo_code")
    assert "5555" not in response.get_data(as_text=True)
