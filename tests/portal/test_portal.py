"""The partner portal (P16): a partner sees its own customers and co-branded orders only,
by listing, by direct URL and by export; every other role and customers are refused."""
import csv
import io
import re

import pytest

from storefront.accounts.models import STAFF_ROLES
from storefront.orders import service as orders
from storefront.orders.models import Order
from storefront.partners import service as partners
from storefront.portal import export, scope
from tests.factories import (STAFF_PASSWORD, address, make_customer, make_product, make_staff,
                             sign_in, staff_sign_in)
from tests.partners.conftest import make_partner


def place(number, customer, partner, email):
    order, _ = orders.record_order(number, customer, email, "", address(), address(),
                                   "standard", 595, [orders.LineRequest(make_product(), 1)],
                                   [], "")
    Order.update(partner=partner).where(Order.id == order.id).execute()
    return order


@pytest.fixture
def world(db):
    """Partners A and B with a customer and an order each; the shop's own customer and order;
    and a shop customer who ordered once inside A's co-brand."""
    a, b = make_partner("alpha", name="Alpha"), make_partner("beta", name="Beta")
    people = {}
    for key, partner in [("a", a), ("b", b), ("shop", None), ("visitor", None)]:
        customer = make_customer(name=f"Person {key}", email=f"{key}@example.com")
        customer.partner = partner
        customer.save()
        people[key] = customer
    numbers = {"a": "AAAA-2222", "b": "BBBB-3333", "shop": "SSSS-4444", "visitor": "VVVV-5555"}
    place(numbers["a"], people["a"], a, "a@example.com")
    place(numbers["b"], people["b"], b, "b@example.com")
    place(numbers["shop"], people["shop"], None, "shop@example.com")
    place(numbers["visitor"], people["visitor"], a, "visitor@example.com")  # shop's, in A
    return {"a": a, "b": b, "people": people, "numbers": numbers}


def portal_client(app, partner):
    """A client signed in as the partner's own staff account."""
    email = f"portal@{partner.slug}.example"
    partners.add_staff(email, "Portal", ["partner"], STAFF_PASSWORD, partner.slug)
    client = app.test_client()
    staff_sign_in(client, email)
    return client


def test_scope_gives_a_partner_its_own_records_only(world):
    a, people, numbers = world["a"], world["people"], world["numbers"]
    assert [c.email for c in scope.customers(a)] == ["a@example.com"]
    assert scope.customer(a, people["a"].id).email == "a@example.com"
    for other in ("b", "shop", "visitor"):
        assert scope.customer(a, people[other].id) is None
    assert {o.number for o in scope.orders(a)} == {numbers["a"], numbers["visitor"]}
    assert scope.order(a, numbers["b"]) is None and scope.order(a, numbers["shop"]) is None
    visitor_order = scope.order(a, numbers["visitor"])  # co-branded, but the shop's customer:
    assert (visitor_order.customer_id, visitor_order.customer_name) == (None, "")
    assert scope.customers(None) == [] and scope.orders(None) == []
    assert scope.customer(None, people["shop"].id) is None
    assert scope.order(None, numbers["shop"]) is None


def test_the_portal_lists_only_the_partners_own(app, world):
    client = portal_client(app, world["a"])
    html = client.get("/partner/customers").get_data(as_text=True)
    assert "a@example.com" in html and "Springfield" in html
    assert not any(f"{k}@example.com" in html for k in ("b", "shop", "visitor"))
    html = client.get("/partner/orders").get_data(as_text=True)
    assert world["numbers"]["a"] in html and world["numbers"]["visitor"] in html
    assert world["numbers"]["b"] not in html and world["numbers"]["shop"] not in html
    assert "Person visitor" not in html


def test_guessed_urls_of_others_records_answer_like_missing_ones(app, world):
    client = portal_client(app, world["a"])
    people, numbers = world["people"], world["numbers"]
    assert "a@example.com" in client.get(f"/partner/customers/{people['a'].id}") \
        .get_data(as_text=True)
    html = client.get(f"/partner/orders/{numbers['a']}").get_data(as_text=True)
    assert numbers["a"] in html and "Being prepared" in html and "$" in html
    missing = client.get("/partner/customers/999999")
    assert missing.status_code == 404
    for other in ("b", "shop", "visitor"):
        response = client.get(f"/partner/customers/{people[other].id}")
        assert response.status_code == 404  # the same answer as for one that does not exist
        assert response.get_data() == missing.get_data()
        assert f"{other}@example.com" not in response.get_data(as_text=True)
    for number in (numbers["b"], numbers["shop"], "ZZZZ-9999"):
        assert client.get(f"/partner/orders/{number}").status_code == 404
    assert client.get("/partner/customers/99999999999999999999").status_code == 404


def test_exports_hold_only_the_partners_own(app, world):
    client = portal_client(app, world["a"])
    response = client.get("/partner/export/customers.csv")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="customers.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["name", "email", "city", "region", "country", "day_phone", "registered"]
    assert [row[1] for row in rows[1:]] == ["a@example.com"]
    # A phone number starts with +: quoted, so a spreadsheet shows it as text.
    assert rows[1][2:6] == ["Springfield", "IL", "US", "'+1 217-555-0134"]
    response = client.get("/partner/export/orders.csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="orders.csv"'
    text = response.get_data(as_text=True)
    assert world["numbers"]["a"] in text and world["numbers"]["visitor"] in text
    assert world["numbers"]["b"] not in text and world["numbers"]["shop"] not in text
    assert "example.com" not in text  # orders carry no emails, and never another's names
    assert "Person visitor" not in text


def test_no_card_data_reaches_the_partner(app, world):
    Order.update(card_brand="visa", card_first_digit="4", card_last_four="0707",
                 ip="203.0.113.9").execute()
    client = portal_client(app, world["a"])
    pages = [client.get(path).get_data(as_text=True) for path in [
        "/partner/customers", f"/partner/customers/{world['people']['a'].id}", "/partner/orders",
        f"/partner/orders/{world['numbers']['a']}", "/partner/export/customers.csv",
        "/partner/export/orders.csv"]]
    for page in pages:
        page = re.sub(r'name="csrf_token" value="[^"]*"', "", page)  # random: may hold "visa"
        assert "0707" not in page and "visa" not in page.lower() and "203.0.113.9" not in page
        assert "1 Main Street" not in page  # street addresses are not shared


def test_csv_cells_cannot_start_a_formula():
    assert [export.cell(v) for v in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "ok", None, 3]] == \
        ["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", "ok", "", "3"]


def test_a_partner_name_with_a_formula_is_quoted_in_the_export(app, db):
    partner = make_partner("gamma")
    customer = make_customer(name='=HYPERLINK("http://evil.example","x")')
    customer.partner = partner
    customer.save()
    text = portal_client(app, partner).get("/partner/export/customers.csv") \
        .get_data(as_text=True)
    assert list(csv.reader(io.StringIO(text)))[1][0].startswith("'=HYPERLINK")


def test_a_partner_account_without_a_partner_sees_nothing(app, world):
    make_staff("partner")
    client = app.test_client()
    staff_sign_in(client, "partner@staff.example.com")
    html = client.get("/partner/customers").get_data(as_text=True)
    assert "not tied to a partner" in html and "@example.com" not in html
    assert "@example.com" not in client.get("/partner/export/customers.csv") \
        .get_data(as_text=True)
    assert client.get("/partner/orders").get_data(as_text=True).count("-") < 50


@pytest.mark.parametrize("who", ["anonymous", "customer",
                                 *[role for role in STAFF_ROLES if role != "partner"]])
def test_everyone_else_is_refused_the_portal(app, world, who):
    client = app.test_client()
    if who == "customer":
        sign_in(client, "a@example.com")
    elif who != "anonymous":
        make_staff(who)
        staff_sign_in(client, f"{who}@staff.example.com")
    for path in ["/partner/", "/partner/customers", "/partner/orders",
                 f"/partner/customers/{world['people']['a'].id}",
                 f"/partner/orders/{world['numbers']['a']}", "/partner/export/customers.csv",
                 "/partner/export/orders.csv"]:
        response = client.get(path)
        if who == "anonymous":
            assert response.status_code == 302 and "/staff/login" in response.location
        else:
            assert response.status_code == 403, (who, path)
