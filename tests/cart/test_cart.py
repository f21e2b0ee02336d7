"""The cart: bound to the visitor cookie, stored with the IP (P8), merged at sign-in."""
import re
from pathlib import Path

from storefront.cart.models import Cart, CartLine
from storefront.catalogue.models import Availability, Product

from tests.factories import csrf_token, make_customer, make_product, post_form, sign_in


def add(client, product, quantity=1):
    return post_form(client, "/cart/add", {"product_id": product.id, "quantity": quantity},
                     token_page=f"/p/{product.slug}")


def test_adding_stores_the_cart_with_visitor_and_ip(client, db):
    lamp = make_product(name="Brass Lamp", price_cents=1999)
    response = add(client, lamp, 2)
    assert response.status_code == 302 and response.location.endswith("/cart/")
    cart = Cart.get()
    assert cart.visitor and cart.customer is None and cart.ip == "127.0.0.1"
    assert [(line.product.name, line.quantity) for line in cart.lines] == [("Brass Lamp", 2)]
    visitor_cookie = client.get_cookie("sf_visitor")
    assert visitor_cookie.value.startswith(cart.visitor + ".")
    html = client.get("/cart/").get_data(as_text=True)
    assert "Brass Lamp" in html and "$39.98" in html and "Cart (2)" in html


def test_adding_again_sums_and_updates_change_quantity_and_remove(client, db):
    lamp = make_product(name="Brass Lamp", price_cents=1000)
    rug = make_product(name="Wool Rug", price_cents=25050)
    add(client, lamp)
    add(client, lamp, 2)
    add(client, rug)
    assert CartLine.get(CartLine.product == lamp).quantity == 3
    post_form(client, "/cart/update", {"product_id": lamp.id, "quantity": 5}, token_page="/cart/")
    html = client.get("/cart/").get_data(as_text=True)
    assert "$300.50" in html  # 5 x $10.00 + $250.50
    post_form(client, "/cart/remove", {"product_id": rug.id}, token_page="/cart/")
    html = client.get("/cart/").get_data(as_text=True)
    assert "Wool Rug" not in html and "$50.00" in html
    post_form(client, "/cart/update", {"product_id": lamp.id, "quantity": 0}, token_page="/cart/")
    assert "Your cart is empty" in client.get("/cart/").get_data(as_text=True)


def test_out_of_stock_and_discontinued_cannot_be_added(client, db):
    active = make_product(name="Brass Lamp")
    make_product(name="Gone Lamp", availability=Availability.DISCONTINUED)
    for state in (Availability.OUT_OF_STOCK, Availability.DISCONTINUED):
        product = make_product(name=f"Lamp {state}", availability=state)
        token = csrf_token(client, f"/p/{active.slug}")
        response = client.post("/cart/add", data={"product_id": product.id, "quantity": 1,
                                                  "csrf_token": token})
        assert response.status_code == 400
        assert "cannot be ordered" in response.get_data(as_text=True)
    assert CartLine.select().count() == 0


def test_quantity_is_checked_against_stock_with_the_message_next_to_the_field(client, db):
    lamp = make_product(name="Brass Lamp", stock=3)
    response = add(client, lamp, 4)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r'id="quantity-error">Only 3 of Brass Lamp left in stock', html)
    response = add(client, lamp, "lots")
    assert response.status_code == 400 and 'id="quantity-error"' in response.get_data(as_text=True)
    assert CartLine.select().count() == 0


def test_on_reserve_items_can_be_ordered_beyond_stock(client, db):
    lamp = make_product(name="Brass Lamp", stock=0, availability=Availability.ON_RESERVE)
    assert add(client, lamp, 5).status_code == 302
    assert CartLine.get().quantity == 5


def test_cart_survives_closing_the_browser(app, client, db):
    lamp = make_product(name="Brass Lamp")
    add(client, lamp)
    cookie = client.get_cookie("sf_visitor")
    assert cookie.expires is not None  # persistent, not a session cookie
    later = app.test_client()  # a new browser process with the same stored cookie
    later.set_cookie("sf_visitor", cookie.value)
    assert "Brass Lamp" in later.get("/cart/").get_data(as_text=True)


def test_a_forged_visitor_cookie_sees_no_cart(app, client, db):
    add(client, make_product(name="Brass Lamp"))
    visitor = Cart.get().visitor
    stranger = app.test_client()
    stranger.set_cookie("sf_visitor", visitor + ".forged")
    assert "Brass Lamp" not in stranger.get("/cart/").get_data(as_text=True)


def test_guest_cart_merges_into_the_account_cart_at_sign_in(app, client, db):
    customer = make_customer()
    lamp = make_product(name="Brass Lamp", stock=10)
    rug = make_product(name="Wool Rug")
    other_browser = app.test_client()
    sign_in(other_browser)
    add(other_browser, lamp, 2)
    add(client, lamp, 3)
    add(client, rug, 1)
    response = sign_in(client)
    assert response.status_code == 302
    cart = Cart.get(Cart.customer == customer)
    assert {line.product.name: line.quantity for line in cart.lines} == \
        {"Brass Lamp": 5, "Wool Rug": 1}
    assert Cart.select().count() == 1
    assert "Cart (6)" in client.get("/cart/").get_data(as_text=True)


def test_cart_without_cookies_explains_what_to_do(app, db):
    lamp = make_product(name="Brass Lamp")
    cookieless = app.test_client(use_cookies=False)
    assert cookieless.get(f"/p/{lamp.slug}").status_code == 200  # browsing works
    response = cookieless.post("/cart/add", data={"product_id": lamp.id, "quantity": 1})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Cookies are needed" in html and "order by phone" in html
    assert CartLine.select().count() == 0


def test_hidden_products_cannot_be_added_nor_shown_through_the_cart(client, db):
    visible = make_product(name="Brass Lamp")
    hidden = make_product(name="Secret Lamp", is_hidden=True)
    token = csrf_token(client, f"/p/{visible.slug}")
    response = client.post("/cart/add", data={"product_id": hidden.id, "quantity": 1,
                                              "csrf_token": token})
    assert response.status_code == 404 and "Secret Lamp" not in response.get_data(as_text=True)
    assert CartLine.select().count() == 0


def test_a_bad_quantity_in_the_cart_is_explained_next_to_its_line(client, db):
    lamp = make_product(name="Brass Lamp", stock=4)
    add(client, lamp, 1)
    for quantity, message in ((9, "Only 4 of Brass Lamp left in stock."),
                              ("many", "Not a valid integer value."), (100, "from 0 to 99")):
        response = post_form(client, "/cart/update", {"product_id": lamp.id,
                                                      "quantity": quantity}, token_page="/cart/")
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        error = re.search(rf'id="qty-{lamp.id}-error">([^<]+)<', html)
        assert error and message in error.group(1), html
    assert CartLine.get().quantity == 1


def test_merging_drops_lines_that_can_no_longer_be_ordered(app, client, db):
    customer = make_customer()
    lamp = make_product(name="Brass Lamp", stock=5)
    rug = make_product(name="Wool Rug", stock=5)
    other = app.test_client()
    sign_in(other)
    add(other, lamp, 1)
    add(client, lamp, 1)
    add(client, rug, 1)
    Product.update(stock=0).where(Product.id == lamp.id).execute()
    Product.update(availability=Availability.DISCONTINUED).where(Product.id == rug.id).execute()
    sign_in(client)
    mine = Cart.get(Cart.customer == customer)
    assert CartLine.select().where(CartLine.cart == mine).count() == 0


def test_images_set_no_visitor_cookie(app, client):
    media = Path(app.config["INSTANCE_PATH"]) / "media"
    media.mkdir(parents=True, exist_ok=True)
    (media / "x.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    with client.get("/media/x.svg") as response:
        assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert "sf_visitor" in client.get("/").headers.get("Set-Cookie", "")
