"""Concurrent writers never fail with 'database is locked' (BEGIN IMMEDIATE + busy timeout)."""
from concurrent.futures import ThreadPoolExecutor

from storefront.cart.models import Cart, CartLine

from tests.factories import csrf_token, make_product


def test_concurrent_cart_writes_all_succeed(app, db):
    products = [make_product(name=f"Lamp {n}", stock=1000) for n in range(3)]
    db.close()

    def shopper(number):
        client = app.test_client()
        token = csrf_token(client, f"/p/{products[0].slug}")
        codes = []
        for round_ in range(15):
            product = products[(number + round_) % len(products)]
            codes.append(client.post("/cart/add", data={
                "product_id": product.id, "quantity": 1, "csrf_token": token}).status_code)
        return codes

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = [code for codes in pool.map(shopper, range(8)) for code in codes]
    assert results == [302] * 120
    assert Cart.select().count() == 8
    assert sum(line.quantity for line in CartLine.select()) == 120


def test_one_shopper_clicking_add_many_times_at_once_loses_nothing(app, db):
    """Six tabs of one browser (one visitor cookie, one cart) adding at the same moment."""
    lamp = make_product(name="Brass Lamp", stock=1000)
    first = app.test_client()
    token = csrf_token(first, f"/p/{lamp.slug}")
    cookies = {name: first.get_cookie(name).value for name in ("sf_visitor", "sf_session")}
    db.close()

    def tab(_):
        client = app.test_client()
        for name, value in cookies.items():
            client.set_cookie(name, value)
        return [client.post("/cart/add", data={"product_id": lamp.id, "quantity": 1,
                                               "csrf_token": token}).status_code
                for _ in range(10)]

    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = [code for codes in pool.map(tab, range(6)) for code in codes]
    assert codes == [302] * 60
    assert Cart.select().count() == 1
    assert CartLine.get().quantity == 60
