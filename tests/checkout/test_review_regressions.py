"""What a careful reviewer tried: two tabs, twin clicks, stale drafts, ended sessions."""
import re

import pytest

from storefront.accounts import sessions
from storefront.accounts.models import Customer
from storefront.catalogue.models import Product
from storefront.checkout import placing
from storefront.checkout.draft import SESSION_KEY, Draft
from storefront.orders.models import Order
from storefront.payments import attempts
from storefront.payments.models import Payment, PaymentAttempt, SavedCard

from tests.factories import (add_to_cart, checkout, choose_payment, fill_details,
                             make_customer, make_product, place_order, post_form, sign_in)
from tests.giftcards.test_service import issue_card

pytestmark = pytest.mark.usefixtures("processor")


def review_form(client):
    html = client.get("/checkout/review").get_data(as_text=True)
    return {name: re.search(rf'name="{name}"[^>]*value="([^"]*)"', html).group(1)
            for name in ("csrf_token", "reviewed", "number")}


def test_a_payment_changed_in_another_tab_is_not_charged_unreviewed(app, client, db):
    add_to_cart(client, make_product(name="Brass Lamp"))
    fill_details(client)
    choose_payment(client)  # tab A: Visa ...1111, reviewed
    reviewed_in_a = review_form(client)
    choose_payment(client, number="5555 5555 5555 4444")  # tab B changes the card
    response = client.post("/checkout/place", data={**reviewed_in_a, "cvv": "123"})
    assert response.status_code == 400
    assert "Your order changed since you reviewed it" in response.get_data(as_text=True)
    assert Order.select().count() == 0 and Payment.select().count() == 0


def test_a_product_added_after_the_details_of_a_gift_card_order_asks_for_an_address(
        client, db):
    post_form(client, "/gift-cards/", {
        "amount": "5000", "other_amount": "", "recipient_name": "Grace Hopper",
        "recipient_email": "grace@example.com", "sender_name": "Ada", "message": ""})
    fill_details(client, **{"billing-name": "Ada", "billing-line1": "3 Oak Road",
                            "billing-city": "Springfield", "billing-postal_code": "62703"})
    add_to_cart(client, make_product(name="Brass Lamp"))  # in another tab
    assert client.get("/checkout/review").headers["Location"] == "/checkout/"
    assert client.get("/checkout/payment").headers["Location"] == "/checkout/"


def test_saving_a_card_that_the_gift_card_made_unneeded_is_no_error(app, client, db):
    make_customer()
    sign_in(client)
    _, code = issue_card(app, 10000)
    lamp = make_product(name="Brass Lamp", price_cents=8000)
    add_to_cart(client, lamp)
    assert checkout(client, details={"email": None}, gift_code=code, save="y").status_code \
        == 302
    assert SavedCard.select().count() == 0
    assert Order.get().card_cents == 0


def test_a_draft_outlives_nobody_whose_session_ended(app, client, db):
    _, code = issue_card(app, 5000)
    ada = make_customer()
    sign_in(client)
    add_to_cart(client, make_product(name="Brass Lamp"))
    fill_details(client, email=None)
    choose_payment(client, gift_code=code)
    sessions.end_all(customer=Customer.get_by_id(ada.id))  # "sign out everywhere" elsewhere
    page = client.get("/checkout/").get_data(as_text=True)
    assert "ada@example.com" not in page
    assert client.get("/checkout/review").status_code == 302


@pytest.mark.parametrize("broken", [
    {"billing": {"name": "x", "surprise": "y"}},
    {"card": {"sealed": "v1.x", "last_four": "1111"}},
    {"shipping": {"name": 5}},
    {"saved_card_id": "1"},
    {"placed": "ABCD"},
])
def test_a_stale_or_broken_draft_is_dropped_not_a_500(client, db, broken):
    add_to_cart(client, make_product(name="Brass Lamp"))
    fill_details(client)
    choose_payment(client)
    with client.session_transaction() as session:
        session[SESSION_KEY] = {**session[SESSION_KEY], **broken}
    page = client.get("/checkout/")
    assert page.status_code == 200
    assert "guest@example.com" not in page.get_data(as_text=True)  # started afresh
    assert client.get("/checkout/review").headers["Location"] == "/checkout/"
    assert client.post("/checkout/place", data={}).status_code == 400  # no CSRF token
    assert Order.select().count() == 0


def test_a_twin_request_waits_for_the_first_and_never_calls_the_processor(app, client, db):
    ada = make_customer()
    sign_in(client)
    add_to_cart(client, make_product(name="Brass Lamp"))
    fill_details(client, email=None)
    choose_payment(client)
    form = review_form(client)
    PaymentAttempt.create(order_number=form["number"], amount_cents=3095)  # the first click
    with client.session_transaction() as session:
        draft = Draft(**session[SESSION_KEY])
    with app.test_request_context():
        with pytest.raises(placing.StillPlacing, match="still being placed"):
            placing.place_order(draft, Customer.get_by_id(ada.id), None, "", "123",
                                form["reviewed"], processor=None, twin_wait_seconds=0.2)
    assert Payment.select().count() == 0  # processor=None was never touched
    # The first click failed: the twin tells the shopper what the first one was told.
    attempts.failed(form["number"], PaymentAttempt.DECLINED, "Your card was declined.")
    with app.test_request_context():
        with pytest.raises(placing.CheckoutError, match="Your card was declined."):
            placing.place_order(draft, Customer.get_by_id(ada.id), None, "", "123",
                                form["reviewed"], processor=None, twin_wait_seconds=5)


@pytest.mark.parametrize("timeout, wait", [(0.5, 13), (5, 22), (6.5, 25), (30, 25)])
def test_a_twin_waits_for_two_processor_calls_and_the_database_within_the_worker_timeout(
        timeout, wait):
    assert placing.twin_wait({"PROCESSOR_TIMEOUT": timeout}) == wait


def test_after_a_sold_out_failure_the_next_try_gets_a_new_number_and_works(client, db):
    lamp = make_product(name="Brass Lamp", stock=1)
    add_to_cart(client, lamp)
    fill_details(client)
    choose_payment(client)
    form = review_form(client)
    Product.update(stock=0).where(Product.id == lamp.id).execute()
    failed = client.post("/checkout/place", data={**form, "cvv": "123"})
    assert failed.status_code == 400 and "Only 0 of Brass Lamp left" in \
        failed.get_data(as_text=True)
    Product.update(stock=1).where(Product.id == lamp.id).execute()
    assert place_order(client).status_code == 302
    assert Order.get().number != form["number"]


def test_card_mistakes_get_precise_messages(client, db):
    add_to_cart(client, make_product(name="Brass Lamp"))
    fill_details(client)
    page = choose_payment(client, number="4111 1111 1111 111O").get_data(as_text=True)
    assert "Enter your card number." not in page
    assert re.search(r'id="number-error">[^<]*digits', page)
    page = choose_payment(client, holder="4111 1111 1111 1111").get_data(as_text=True)
    assert "not its number" in page
    with client.session_transaction() as session:
        assert "4111" not in str(session.get(SESSION_KEY))
