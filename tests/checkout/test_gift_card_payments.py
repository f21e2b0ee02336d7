"""Gift cards at checkout: bought (issued and mailed when paid), and spent, partly or wholly."""
import re

import pytest

from storefront.giftcards.models import GiftCard, GiftCardEntry
from storefront.mail.models import OutboxMessage
from storefront.orders.models import Order, OrderLine
from storefront.payments.models import Payment

from tests.factories import (add_to_cart, checkout, choose_payment, fill_details, make_product,
                             place_order, post_form)
from tests.giftcards.test_service import issue_card

pytestmark = pytest.mark.usefixtures("processor")
# Only gift cards in the cart: nothing is posted, so only a billing address is asked for.
GIFT_CARDS_ONLY = {"billing-name": "Ada Buyer", "billing-line1": "3 Oak Road",
                   "billing-city": "Springfield", "billing-postal_code": "62703",
                   "billing-country": "US"}


def buy_gift_card(client, cents=5000, email="grace@example.com"):
    response = post_form(client, "/gift-cards/", {
        "amount": "other", "other_amount": str(cents // 100), "recipient_name": "Grace Hopper",
        "recipient_email": email, "sender_name": "Ada", "message": ""})
    assert response.status_code == 302, response.get_data(as_text=True)


def test_a_bought_gift_card_is_issued_and_mailed_only_when_the_order_is_placed(client, db):
    buy_gift_card(client, 3700)
    assert GiftCard.select().count() == 0 and OutboxMessage.select().count() == 0
    assert fill_details(client, **GIFT_CARDS_ONLY).status_code == 302
    page = client.get("/checkout/payment").get_data(as_text=True)
    assert "By email" in page  # nothing to post: no shipping method, no charge
    choose_payment(client)
    assert place_order(client).status_code == 302
    order = Order.get()
    assert (order.merchandise_cents, order.shipping_cents, order.card_cents) == (3700, 0, 3700)
    assert order.address("shipping") is None
    assert OrderLine.get().status == OrderLine.SENT
    card = GiftCard.get()
    assert (card.initial_cents, card.balance_cents, card.order_number) == (3700, 3700,
                                                                             order.number)
    mail = OutboxMessage.get()
    assert mail.recipient == "grace@example.com" and mail.category == "gift_card"
    assert re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", mail.body_text)


def test_a_gift_card_pays_part_and_the_card_the_rest(app, client, db):
    card, code = issue_card(app, 2000)
    add_to_cart(client, make_product(name="Brass Lamp", price_cents=4250))
    assert checkout(client, gift_code=code.lower()).status_code == 302
    order = Order.get()
    # $42.50 + $5.95 shipping = $48.45: $20.00 from the gift card, $28.45 on the card.
    assert (order.total_cents, order.gift_card_cents, order.card_cents) == (4845, 2000, 2845)
    assert Payment.get().amount_cents == 2845
    assert GiftCard.get_by_id(card.id).balance_cents == 0
    assert [(e.kind, e.amount_cents, e.order_number) for e in
            GiftCardEntry.select().order_by(GiftCardEntry.id)] == \
        [("issued", 2000, "SF-1001"), ("redeemed", -2000, order.number)]


def test_a_gift_card_that_covers_everything_needs_no_card(app, client, db):
    card, code = issue_card(app, 10000)
    add_to_cart(client, make_product(name="Brass Lamp", price_cents=4250))
    fill_details(client)
    response = choose_payment(client, number="", expiry="", holder="", gift_code=code)
    assert response.status_code == 302
    assert 'name="cvv"' not in client.get("/checkout/review").get_data(as_text=True)
    assert place_order(client, cvv=None).status_code == 302
    order = Order.get()
    assert (order.gift_card_cents, order.card_cents, Payment.select().count()) == (4845, 0, 0)
    assert GiftCard.get_by_id(card.id).balance_cents == 10000 - 4845


def test_a_gift_card_cannot_buy_another_gift_card(app, client, db):
    _, code = issue_card(app, 10000)
    buy_gift_card(client, 5000, email="linus@example.com")
    assert fill_details(client, **GIFT_CARDS_ONLY).status_code == 302
    response = choose_payment(client, gift_code=code)
    assert response.status_code == 400
    assert "cannot pay for another gift card" in response.get_data(as_text=True)


def test_with_products_and_a_gift_card_in_the_cart_the_gift_card_pays_only_the_products(
        app, client, db):
    _, code = issue_card(app, 10000)
    add_to_cart(client, make_product(name="Paper Lantern", price_cents=1500))
    buy_gift_card(client, 5000, email="linus@example.com")
    assert checkout(client, gift_code=code).status_code == 302
    order = Order.get()
    # $15.00 + $5.95 shipping paid by the gift card; the $50.00 gift card by the card.
    assert (order.gift_card_cents, order.card_cents) == (2095, 5000)


def test_an_unknown_code_gets_one_message_next_to_the_field(client, db):
    add_to_cart(client, make_product(name="Brass Lamp"))
    fill_details(client)
    response = choose_payment(client, gift_code="AAAA-BBBB-CCCC-DDDD")
    assert response.status_code == 400
    assert re.search(r'id="gift_code-error">We do not recognise that gift card code',
                     response.get_data(as_text=True))


def test_a_balance_spent_elsewhere_after_the_review_stops_the_order(app, client, db):
    card, code = issue_card(app, 2000)
    add_to_cart(client, make_product(name="Paper Lantern"))
    fill_details(client)
    choose_payment(client, gift_code=code)
    html = client.get("/checkout/review").get_data(as_text=True)
    GiftCard.update(balance_cents=500).where(GiftCard.id == card.id).execute()  # spent meanwhile
    reviewed = re.search(r'name="reviewed"[^>]*value="([^"]*)"', html) or \
        re.search(r'value="([^"]*)"[^>]*name="reviewed"', html)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    response = client.post("/checkout/place", data={"reviewed": reviewed.group(1), "cvv": "123",
                                                    "csrf_token": token})
    assert response.status_code == 400
    assert "Your order changed since you reviewed it" in response.get_data(as_text=True)
    assert Order.select().count() == 0 and GiftCard.get_by_id(card.id).balance_cents == 500
    assert place_order(client).status_code == 302  # reviewed again: $5.00 from the gift card
    assert Order.get().gift_card_cents == 500
