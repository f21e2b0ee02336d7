""""Customers who bought this also bought" and "Based on your orders" (P11): counts kept as
orders are placed, read with one indexed query, switchable off by the customer."""
import logging
import secrets
from contextlib import contextmanager
from itertools import count

import pytest

from storefront.accounts.models import Customer
from storefront.catalogue.models import Availability, Product
from storefront.db import database
from storefront.marketing import recommendations
from storefront.marketing.models import BoughtTogether
from storefront.orders import service as orders
from storefront.orders.models import Order, OrderLine
from storefront.privacy.models import ConsentEvent
from storefront.tracking.models import PageView

from tests.factories import (add_to_cart, address, checkout, csrf_token, make_customer,
                             make_product, post_form, sign_in)


_buyers = count(1)


def place(*products, customer=None, gift_cards=(), email=None):
    """Record an order of these products the way checkout does (order, its lines), by a new
    guest buyer unless a customer or an email is given."""
    email = email or f"shopper{next(_buyers)}@example.com"
    return orders.record_order(
        orders.new_order_number(), customer, email, "+12175550199",
        address(), None, "standard", 500, [orders.LineRequest(p, 1) for p in products],
        [orders.GiftCardLine(cents, "Bea") for cents in gift_cards], "127.0.0.1")


def counts():
    return {(row.product_id, row.other_id): row.orders for row in BoughtTogether.select()}


@contextmanager
def counting_queries(monkeypatch):
    """Count the SQL statements run inside the block."""
    seen = []
    real = database.obj.execute_sql

    def execute_sql(sql, params=None, *args, **kwargs):
        seen.append(sql)
        return real(sql, params, *args, **kwargs)
    with monkeypatch.context() as patch:
        patch.setattr(database.obj, "execute_sql", execute_sql)
        yield seen


def section(html, heading):
    """The text of the page after a heading ('' when the heading is not there)."""
    return html.split(heading, 1)[1].split("</section>", 1)[0] if heading in html else ""


ALSO = "Customers who bought this also bought"


@pytest.fixture(autouse=True)
def show_every_pair(app, monkeypatch):
    """Most tests show a pair bought together once; the threshold has its own test."""
    monkeypatch.setitem(app.config, "REPORT_MIN_CELL", 1)


def test_an_order_counts_each_pair_of_its_products_both_ways(db):
    lamp, chair, desk = (make_product(name=n) for n in ("Brass Lamp", "Oak Chair", "Pine Desk"))
    place(lamp, chair, desk)
    place(lamp, chair)
    assert counts() == {(lamp.id, chair.id): 2, (chair.id, lamp.id): 2,
                        (lamp.id, desk.id): 1, (desk.id, lamp.id): 1,
                        (chair.id, desk.id): 1, (desk.id, chair.id): 1}


def test_an_order_of_one_product_counts_nothing(db):
    lamp = make_product(name="Brass Lamp")
    place(lamp, gift_cards=[2500])  # a gift card is not a product
    assert counts() == {}


def test_a_failing_count_never_fails_the_order(db, monkeypatch, caplog):
    lamp, chair = make_product(name="Brass Lamp"), make_product(name="Oak Chair")

    def broken(product_ids):  # a real database error inside the order's transaction
        database.execute_sql('SELECT * FROM "no_such_table"')
    monkeypatch.setattr(recommendations, "count_pairs", broken)
    with caplog.at_level(logging.ERROR, logger="storefront.marketing.recommendations"):
        with database.atomic():  # as checkout records it: more writes follow in the transaction
            order, _ = place(lamp, chair)
            orders.set_payment(order, 0, order.merchandise_cents + order.shipping_cents)
    assert Order.get_by_id(order.id).card_cents > 0
    assert OrderLine.select().where(OrderLine.order == order).count() == 2
    assert counts() == {}
    assert f"counts of order {order.number} not updated" in caplog.text
    monkeypatch.undo()
    place(lamp, chair)
    assert counts() == {(lamp.id, chair.id): 1, (chair.id, lamp.id): 1}


@pytest.mark.usefixtures("processor")
def test_a_checkout_counts_its_products_and_their_pages_show_each_other(client, db):
    lamp, chair = make_product(name="Brass Lamp"), make_product(name="Oak Chair")
    add_to_cart(client, lamp)
    add_to_cart(client, chair)
    assert checkout(client).status_code == 302
    assert counts() == {(lamp.id, chair.id): 1, (chair.id, lamp.id): 1}
    assert "Oak Chair" in section(client.get(f"/p/{lamp.slug}").get_data(as_text=True), ALSO)


def test_the_product_page_lists_the_most_often_bought_together_first(client, db):
    lamp, chair, desk, shade, stool, rug = (make_product(name=n) for n in (
        "Brass Lamp", "Oak Chair", "Pine Desk", "Linen Shade", "Ash Stool", "Wool Rug"))
    for _ in range(3):
        place(lamp, desk)
    for _ in range(2):
        place(lamp, chair, shade, stool)
    place(lamp, rug)
    Product.update(is_hidden=True).where(Product.id == shade.id).execute()
    Product.update(availability=Availability.DISCONTINUED).where(Product.id == stool.id).execute()
    listed = section(client.get(f"/p/{lamp.slug}").get_data(as_text=True), ALSO)
    assert listed.index("Pine Desk") < listed.index("Oak Chair") < listed.index("Wool Rug")
    assert "Linen Shade" not in listed and "Ash Stool" not in listed
    assert [p.name for p in recommendations.also_bought(lamp.id, 1, limit=2)] == \
        ["Pine Desk", "Oak Chair"]


def test_the_product_page_runs_as_many_queries_whatever_the_catalogue_size(
        client, db, monkeypatch):
    lamp, chair = make_product(name="Brass Lamp", stock=100), make_product(name="Oak Chair")
    place(lamp, chair)
    client.get(f"/p/{lamp.slug}")
    client.get(f"/p/{lamp.slug}")  # the visitor is known from here on
    with counting_queries(monkeypatch) as small:
        assert "Oak Chair" in section(client.get(f"/p/{lamp.slug}").get_data(as_text=True), ALSO)
    others = [make_product(name=f"Shelf {i}") for i in range(60)]
    for i in range(0, 60, 3):
        place(lamp, *others[i:i + 3])
    place(*others[:30])
    with counting_queries(monkeypatch) as large:
        assert "Shelf" in section(client.get(f"/p/{lamp.slug}").get_data(as_text=True), ALSO)
    assert len(large) == len(small)
    with counting_queries(monkeypatch) as reads:
        assert len(recommendations.also_bought(lamp.id, 1)) == recommendations.SHOWN
    assert len(reads) == 1


def test_my_account_suggests_what_others_bought_with_yours_never_what_you_bought(
        client, db, monkeypatch):
    ada = make_customer()
    lamp, chair, desk, shade, rug, vase = (make_product(name=n) for n in (
        "Brass Lamp", "Oak Chair", "Pine Desk", "Linen Shade", "Wool Rug", "Glass Vase"))
    place(lamp, chair, customer=ada)
    place(vase, customer=ada)
    for _ in range(2):
        place(lamp, desk)
    place(chair, shade)
    place(lamp, vase)  # vase: bought together with the lamp, but Ada has one already
    place(rug, shade)  # nothing Ada bought
    Product.update(is_hidden=True).where(Product.id == chair.id).execute()
    with counting_queries(monkeypatch) as reads:
        suggested = [p.name for p in recommendations.suggestions(ada.id, 1)]
    assert suggested == ["Pine Desk", "Linen Shade"] and len(reads) == 1
    sign_in(client)
    listed = section(client.get("/account/").get_data(as_text=True), "Based on your orders")
    assert listed.index("Pine Desk") < listed.index("Linen Shade")
    for name in ("Brass Lamp", "Oak Chair", "Glass Vase", "Wool Rug"):
        assert name not in listed


def test_a_pair_bought_together_in_fewer_orders_than_the_threshold_is_never_shown(
        app, client, db, monkeypatch):
    """Fewer orders than REPORT_MIN_CELL could point at one shopper's basket."""
    monkeypatch.setitem(app.config, "REPORT_MIN_CELL", 3)
    make_customer()
    lamp, chair, desk = (make_product(name=n) for n in ("Brass Lamp", "Oak Chair", "Pine Desk"))
    for _ in range(3):
        place(lamp, desk)
    place(lamp, chair)
    place(lamp, chair, customer=Customer.get())
    listed = section(client.get(f"/p/{lamp.slug}").get_data(as_text=True), ALSO)
    assert "Pine Desk" in listed and "Oak Chair" not in listed
    sign_in(client)
    listed = section(client.get("/account/").get_data(as_text=True), "Based on your orders")
    assert "Pine Desk" in listed
    place(lamp, chair)
    assert "Oak Chair" in section(client.get(f"/p/{lamp.slug}").get_data(as_text=True), ALSO)


def test_a_new_customer_sees_no_suggestions(client, db):
    make_customer()
    place(make_product(name="Brass Lamp"), make_product(name="Oak Chair"))
    sign_in(client)
    assert "Based on your orders" not in client.get("/account/").get_data(as_text=True)


def personal_pages(client, lamp, chair):
    """(the lamp's page, My Account) as this client sees them."""
    client.get(f"/p/{chair.slug}")
    return (client.get(f"/p/{lamp.slug}").get_data(as_text=True),
            client.get("/account/").get_data(as_text=True))


def test_switching_personalization_off_hides_both_lists_and_stops_noting_views(app, client, db):
    ada = make_customer()
    lamp, chair, desk = (make_product(name=n) for n in ("Brass Lamp", "Oak Chair", "Pine Desk"))
    place(lamp, chair, customer=ada)
    place(lamp, desk)
    sign_in(client)
    page, account = personal_pages(client, lamp, chair)
    assert "Oak Chair" in section(page, "Recently viewed") and "Oak Chair" in section(page, ALSO)
    assert "Pine Desk" in section(account, "Based on your orders")

    preferences = client.get("/account/preferences").get_data(as_text=True)
    assert "Currently <strong>on</strong>" in preferences
    response = post_form(client, "/account/personalization", {"personalized": "off"},
                         token_page="/account/preferences")
    assert response.status_code == 302 and not Customer.get_by_id(ada.id).personalized
    assert "Currently <strong>off</strong>" in \
        client.get("/account/preferences").get_data(as_text=True)
    assert ConsentEvent.select().count() == 0  # a setting, not a consent
    viewed_before = PageView.select().where(PageView.product_id.is_null(False)).count()
    page, account = personal_pages(client, lamp, chair)
    assert "Recently viewed" not in page and ALSO not in page
    assert "Based on your orders" not in account
    assert "Recently viewed" not in client.get("/").get_data(as_text=True)
    assert PageView.select().where(PageView.product_id.is_null(False)).count() == viewed_before

    guest = app.test_client()  # a guest keeps both
    guest.get(f"/p/{chair.slug}")
    page = guest.get(f"/p/{lamp.slug}").get_data(as_text=True)
    assert "Oak Chair" in section(page, "Recently viewed") and ALSO in page

    post_form(client, "/account/personalization", {"personalized": "on"},
              token_page="/account/preferences")
    page, account = personal_pages(client, lamp, chair)
    assert ALSO in page and "Based on your orders" in account
    assert "Oak Chair" in section(page, "Recently viewed")


@pytest.mark.parametrize("data", [{"personalized": "maybe"}, {}, {"personalized": "off",
                                                                  "csrf_token": "forged"}])
def test_the_switch_refuses_anything_but_on_or_off_with_its_token(client, db, data):
    ada = make_customer()
    sign_in(client)
    data.setdefault("csrf_token", csrf_token(client, "/account/preferences"))
    assert client.post("/account/personalization", data=data).status_code == 400
    assert Customer.get_by_id(ada.id).personalized


def test_the_switch_is_for_signed_in_customers(client, db):
    token = csrf_token(client)
    response = client.post("/account/personalization",
                           data={"personalized": "off", "csrf_token": token})
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_pairs_are_written_in_one_lock_order_in_chunks(db, monkeypatch):
    """Two orders upserting the same pairs take their row locks in the same order."""
    products = [make_product(name=f"Shelf {i}") for i in range(12)]
    ids = [p.id for p in products]
    secrets.SystemRandom().shuffle(ids)
    monkeypatch.setattr(recommendations, "ROWS_PER_INSERT", 50)
    with counting_queries(monkeypatch) as statements:
        with database.atomic():
            recommendations.count_pairs(ids)
    assert len([sql for sql in statements if sql.startswith("INSERT")]) == 3  # 132 pairs
    written = [(row.product_id, row.other_id, row.orders)
               for row in BoughtTogether.select().order_by(BoughtTogether.id)]
    assert written == sorted((a, b, 1) for a in ids for b in ids if a != b)


def test_one_buyer_ordering_a_pair_again_and_again_counts_once(db):
    """A count is of buyers: one shopper alone can never lift a pair over the threshold
    (a reviewer's probe: three orders of the same pair by one customer)."""
    lamp, chair = make_product(name="Brass Lamp"), make_product(name="Oak Chair")
    customer = make_customer()
    for _ in range(3):
        place(lamp, chair, customer=customer)
    for _ in range(2):
        place(lamp, chair, email="Guest@Example.com")
    assert counts() == {(lamp.id, chair.id): 2, (chair.id, lamp.id): 2}
