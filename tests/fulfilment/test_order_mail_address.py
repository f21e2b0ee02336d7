"""Mail about an order goes to the account's address as it is now: a customer who changed
theirs hears about earlier orders at the new one, and the old address hears no more."""
from storefront.accounts.models import Customer
from storefront.db import utcnow
from storefront.orders.models import Order, OrderLine

from tests.accounts.test_email_change import NEW, STORED, change, confirm, link_sent_to
from tests.factories import REGISTRATION, make_product, post_form
from tests.fulfilment.test_fulfilment import lines, mails, place


def test_an_earlier_orders_mail_follows_the_account_to_its_new_address(client, db, fulfil):
    assert post_form(client, "/account/register",
                     {**REGISTRATION, "email": "ada@example.com"}).status_code == 302
    lamp = make_product(name="Brass Lamp", price_cents=2000)
    order = place(client, (lamp, 1))
    assert order.email == "ada@example.com"
    assert change(client, NEW).status_code == 302
    assert confirm(client, link_sent_to(STORED)).status_code == 302
    assert Customer.get().email == STORED

    fulfil("change_line", order, lines(order)["Brass Lamp"].id, OrderLine.OUT_OF_STOCK,
           fulfil.processor)
    assert [mail.recipient for mail in mails("line_status")] == [STORED]


def test_a_guest_orders_mail_goes_to_the_address_given_with_it(client, db, fulfil):
    lamp = make_product(name="Brass Lamp", price_cents=2000)
    order = place(client, (lamp, 1))
    assert order.customer_id is None
    fulfil("change_line", order, lines(order)["Brass Lamp"].id, OrderLine.OUT_OF_STOCK,
           fulfil.processor)
    assert [mail.recipient for mail in mails("line_status")] == [order.email]


def test_a_deleted_accounts_order_is_mailed_to_nobody(client, db, fulfil):
    """Unreachable today (an account with an open order cannot be deleted), but were it
    reached, nothing is queued to the deleted account's placeholder address."""
    assert post_form(client, "/account/register",
                     {**REGISTRATION, "email": "ada@example.com"}).status_code == 302
    lamp = make_product(name="Brass Lamp", price_cents=2000)
    order = place(client, (lamp, 1))
    Customer.update(email="deleted-1@invalid", erased_at=utcnow()).execute()
    assert Order.get_by_id(order.id).mail_address is None

    fulfil("change_line", order, lines(order)["Brass Lamp"].id, OrderLine.OUT_OF_STOCK,
           fulfil.processor)
    assert lines(order)["Brass Lamp"].status == OrderLine.OUT_OF_STOCK
    assert mails("line_status") == []
