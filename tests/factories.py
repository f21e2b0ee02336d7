"""Small factories and helpers for tests: each takes **overrides."""
import re
from datetime import date

from storefront.accounts import service as accounts
from storefront.accounts.staff import create_staff
from storefront.catalogue.models import Availability, Category, Product
from storefront.catalogue.service import index_words, refresh_category_counts, slugify

PASSWORD = "correct horse battery staple"
STAFF_PASSWORD = "staff password long enough"


def csrf_token(client, path="/account/login"):
    """The CSRF token a page carries (the session cookie is kept in the client)."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_form(client, path, data, token_page=None, **kwargs):
    """POST a form the way a browser does: with the CSRF token of the page it came from."""
    data = dict(data)
    data.setdefault("csrf_token", csrf_token(client, token_page or path))
    return client.post(path, data=data, **kwargs)


def make_category(**overrides):
    name = overrides.pop("name", "Lighting")
    fields = {"name": name, "slug": slugify(name), "description": f"All {name.lower()}."}
    fields.update(overrides)
    return Category.create(**fields)


def make_product(category=None, **overrides):
    category = category or Category.get_or_none() or make_category()
    name = overrides.pop("name", f"Brass Lamp {Product.select().count() + 1}")
    fields = {"name": name, "slug": slugify(name), "sku": f"SKU-{slugify(name)}",
              "price_cents": 2500, "stock": 10, "availability": Availability.AVAILABLE,
              "description": f"{name} for testing.", "category": category}
    fields.update(overrides)
    product = Product.create(**fields)
    index_words(product)
    refresh_category_counts()
    return product


def address(**overrides):
    fields = {"name": "Ada Shopper", "line1": "1 Main Street", "city": "Springfield",
              "postal_code": "62701", "country": "US", "region": "IL"}
    fields.update(overrides)
    return accounts.AddressData(**fields)


def make_customer(**overrides):
    fields = {"name": "Ada Shopper", "email": "ada@example.com", "password": PASSWORD,
              "shipping": address(), "billing": None, "day_phone": "+1 217 555 0134",
              "evening_phone": ""}
    fields.update(overrides)
    return accounts.register_customer(**fields)


def make_staff(role="care", **overrides):
    fields = {"email": f"{role}@staff.example.com", "name": f"Staff {role}",
              "roles": [role], "password": STAFF_PASSWORD}
    fields.update(overrides)
    return create_staff(**fields)


def sign_in(client, email="ada@example.com", password=PASSWORD, **extra):
    return post_form(client, "/account/login", {"email": email, "password": password, **extra})


def staff_sign_in(client, email, password=STAFF_PASSWORD):
    return post_form(client, "/staff/login", {"email": email, "password": password})


REGISTRATION = {
    "name": "Ada Shopper", "email": "Ada.Shopper@Example.com", "password": PASSWORD,
    "confirm": PASSWORD, "shipping-name": "Ada Shopper", "shipping-line1": "1 Main Street",
    "shipping-city": "Springfield", "shipping-region": "IL", "shipping-postal_code": "62701",
    "shipping-country": "US", "same_as_shipping": "y", "billing-country": "US",
    "day_phone": "(217) 555-0134", "evening_phone": "",
}


APPROVED_CARD = "4111 1111 1111 1111"
CARD_EXPIRY = f"12/{(date.today().year + 3) % 100:02d}"  # always a few years ahead
DECLINED_CARD = "4000 0000 0000 0002"

DETAILS = {
    "email": "guest@example.com", "phone": "(217) 555-0199", "shipping-name": "Gus Guest",
    "shipping-line1": "2 Elm Street", "shipping-city": "Springfield", "shipping-region": "IL",
    "shipping-postal_code": "62702", "shipping-country": "US", "same_as_shipping": "y",
    "billing-country": "US", "method": "standard",
}


def add_to_cart(client, product, quantity=1):
    response = post_form(client, "/cart/add", {"product_id": product.id, "quantity": quantity},
                         token_page=f"/p/{product.slug}")
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def fill_details(client, **overrides):
    data = {**DETAILS, **overrides}
    return post_form(client, "/checkout/", {k: v for k, v in data.items() if v is not None})


def choose_payment(client, number=APPROVED_CARD, expiry=CARD_EXPIRY, holder="Gus Guest", **extra):
    data = {"pay_with": "new", "number": number, "expiry": expiry, "holder_name": holder,
            **extra}
    return post_form(client, "/checkout/payment", {k: v for k, v in data.items()
                                                   if v is not None})


def place_order(client, cvv="123"):
    """Post the review page's form as shown (its fingerprint and CSRF token)."""
    html = client.get("/checkout/review").get_data(as_text=True)
    reviewed = re.search(r'name="reviewed"[^>]*value="([^"]*)"', html) or \
        re.search(r'value="([^"]*)"[^>]*name="reviewed"', html)
    assert reviewed, html
    number = re.search(r'name="number"[^>]*value="([^"]*)"', html) or \
        re.search(r'value="([^"]*)"[^>]*name="number"', html)
    data = {"reviewed": reviewed.group(1), "number": number.group(1),
            "csrf_token": csrf_token(client, "/checkout/review")}
    if cvv is not None:
        data["cvv"] = cvv
    return client.post("/checkout/place", data=data)


def checkout(client, card=APPROVED_CARD, cvv="123", details=None, **payment):
    """Details, payment and place, as a shopper does them; the place response."""
    response = fill_details(client, **(details or {}))
    assert response.status_code == 302, response.get_data(as_text=True)
    response = choose_payment(client, card, **payment)
    assert response.status_code == 302, response.get_data(as_text=True)
    return place_order(client, cvv)
