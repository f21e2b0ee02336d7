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
