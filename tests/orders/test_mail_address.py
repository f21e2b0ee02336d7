"""Where mail about an order goes (Order.mail_address): the account's current address while the
order is in an open account, the address given with the order when it has none, nobody once
the account is deleted. The care order page and the page confirming a new address say so."""
import html

import pytest

from storefront.accounts.models import Customer
from storefront.db import utcnow
from storefront.orders.models import Order
from storefront.rights.erasure import erase_account
from tests.accounts.test_email_change import NEW, STORED, change, link_sent_to
from tests.factories import REGISTRATION, make_customer, make_staff, post_form, staff_sign_in
from tests.care.test_customers import place

GIVEN = "ada@example.com"


@pytest.fixture
def care(client, db):
    staff_sign_in(client, make_staff("care").email)
    return client


def moved(customer, address="ada.new@example.org"):
    """The account's address changed after the order (as a confirmed change leaves it)."""
    Customer.update(email=address, email_key=address.lower()) \
        .where(Customer.id == customer.id).execute()


def order_page(care, number):
    return html.unescape(care.get(f"/care/orders/{number}").get_data(as_text=True))


def test_a_guest_order_is_mailed_at_the_address_given_with_it(db):
    assert place("GSTW-2345", email=GIVEN).mail_address == GIVEN


def test_an_account_order_is_mailed_at_the_accounts_address_as_it_is_now(db):
    ada = make_customer(email=GIVEN)
    order = place("K7QM-3XPD", ada, email=GIVEN)
    assert order.mail_address == GIVEN
    moved(ada)
    assert Order.get_by_id(order.id).mail_address == "ada.new@example.org"


def test_a_deleted_accounts_order_is_mailed_to_nobody(app, db):
    ada = make_customer(email=GIVEN)
    order = place("K7QM-3XPD", ada, email=GIVEN)
    Order.update(settled_at=utcnow()).where(Order.id == order.id).execute()
    erase_account(Customer.get_by_id(ada.id), utcnow(), app.config["SECRET_KEY"])
    assert Order.get_by_id(order.id).mail_address is None


def test_the_care_order_page_shows_where_mail_goes_and_the_address_given(care):
    ada = make_customer(email=GIVEN)
    place("K7QM-3XPD", ada, email=GIVEN)
    page = order_page(care, "K7QM-3XPD")
    assert f"<dt>Email</dt><dd>{GIVEN}</dd>" in page and "Given with the order" not in page

    moved(ada)
    assert "<dt>Email</dt><dd>ada.new@example.org: the account's address now, where mail " \
        f"about the order goes. Given with the order: {GIVEN}</dd>" in order_page(care,
                                                                                 "K7QM-3XPD")


def test_the_care_order_page_of_a_guest_and_of_a_deleted_account(app, care):
    place("GSTW-2345", email="gus@example.com")
    assert "<dt>Email</dt><dd>gus@example.com</dd>" in order_page(care, "GSTW-2345")

    ada = make_customer(email=GIVEN)
    order = place("K7QM-3XPD", ada, email=GIVEN)
    Order.update(settled_at=utcnow()).where(Order.id == order.id).execute()
    erase_account(Customer.get_by_id(ada.id), utcnow(), app.config["SECRET_KEY"])
    assert f"<dt>Email</dt><dd>deleted-{ada.id}@invalid (no mail: the account was deleted)" \
        "</dd>" in order_page(care, "K7QM-3XPD")


def test_confirming_a_new_address_says_mail_about_earlier_orders_goes_there_too(client, db):
    assert post_form(client, "/account/register", REGISTRATION).status_code == 302
    assert change(client, NEW).status_code == 302
    page = html.unescape(client.get(link_sent_to(STORED)).get_data(as_text=True))
    assert "we write to it about your account, your orders (earlier ones too) and any news " \
        "or offers you asked for." in page
    assert "new orders" not in page
