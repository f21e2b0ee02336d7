"""Registration (P1): the details we need, validated properly, errors next to their fields."""
import re

import pytest

from storefront.accounts.models import Address, Customer, Phone

from tests.factories import PASSWORD, REGISTRATION, make_customer, post_form


def register(client, **changes):
    data = dict(REGISTRATION)
    for key, value in changes.items():
        key = key.replace("__", "-")
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return post_form(client, "/account/register", data)


def error_for(html, field_id):
    match = re.search(rf'id="{re.escape(field_id)}-error">([^<]+)<', html)
    return match.group(1) if match else None


def test_registration_stores_normalised_details_and_signs_in(client, db):
    response = register(client)
    assert response.status_code == 302 and response.location.endswith("/account/")
    customer = Customer.get()
    assert customer.email == "Ada.Shopper@example.com"
    assert customer.email_key == "ada.shopper@example.com"
    assert customer.password_hash.startswith("$argon2id$")
    assert PASSWORD not in customer.password_hash
    assert [(p.kind, p.number) for p in customer.phones] == [("day", "+12175550134")]
    shipping, billing = customer.address(Address.SHIPPING), customer.address(Address.BILLING)
    assert (shipping.line1, shipping.postal_code) == ("1 Main Street", "62701")
    assert (billing.line1, billing.city) == (shipping.line1, shipping.city)
    assert "Signed in as Ada.Shopper@example.com" in client.get("/account/").get_data(as_text=True)


def test_a_different_billing_address_is_validated_and_kept(client, db):
    response = register(client, same_as_shipping=None, billing__name="Ada Billing",
                         billing__line1="9 Bank Road", billing__city="Toronto",
                         billing__postal_code="k1a0b1", billing__country="CA")
    html = response.get_data(as_text=True)
    assert error_for(html, "billing-postal_code") is None
    # K1A 0B1 fits Canada's pattern without the space; it is stored upper-cased.
    billing = Customer.get().address(Address.BILLING)
    assert (billing.line1, billing.postal_code, billing.country) == ("9 Bank Road", "K1A0B1", "CA")


def test_billing_fields_are_required_when_different(client, db):
    html = register(client, same_as_shipping=None).get_data(as_text=True)
    assert error_for(html, "billing-line1") == "Enter the street address."
    assert Customer.select().count() == 0


@pytest.mark.parametrize("changes, field_id, message", [
    ({"email": "not-an-email"}, "email", "An email address must have an @-sign."),
    ({"email": ""}, "email", "Enter your email address."),
    ({"password": "short", "confirm": "short"}, "password", "Use at least 8 characters."),
    ({"password": "password1", "confirm": "password1"}, "password", "too common"),
    ({"password": "qwertyuiop", "confirm": "qwertyuiop"}, "password", "too common"),
    ({"confirm": "something else"}, "confirm", "The passwords do not match."),
    ({"day_phone": "12"}, "day_phone", "not a valid phone number"),
    ({"day_phone": "call me"}, "day_phone", "Enter a phone number"),
    ({"day_phone": ""}, "day_phone", "at least one phone number"),
    ({"shipping__postal_code": "ABCDE"}, "shipping-postal_code", "not a valid postal code"),
    ({"shipping__country": "XX"}, "shipping-country", "Not a valid choice"),
    ({"shipping__city": ""}, "shipping-city", "Enter the city."),
    ({"name": "x" * 121}, "name", "120"),
])
def test_bad_values_get_a_message_next_to_the_field(client, db, changes, field_id, message):
    response = register(client, **changes)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in (error_for(html, field_id) or ""), html[html.find("<main"):][:3000]
    assert 'aria-invalid="true"' in html
    assert Customer.select().count() == 0
    # Nothing typed is lost (passwords excepted).
    assert 'value="1 Main Street"' in html or changes.get("shipping__line1") is not None


def test_evening_phone_alone_is_enough_and_is_normalised(client, db):
    register(client, day_phone="", evening_phone="+44 20 7946 0958")
    assert [(p.kind, p.number) for p in Phone.select()] == [("evening", "+442079460958")]


def test_emails_are_unique_whatever_their_case(client, db):
    make_customer(email="ada.shopper@example.com")
    response = register(client, email="ADA.Shopper@EXAMPLE.com")
    assert response.status_code == 400
    assert "already exists" in error_for(response.get_data(as_text=True), "email")
    assert Customer.select().count() == 1


def test_registration_without_csrf_token_is_refused(client, db):
    client.get("/account/register")
    response = client.post("/account/register", data=REGISTRATION)
    assert response.status_code == 400
    assert Customer.select().count() == 0


def test_every_problem_is_shown_at_once(client, db):
    response = register(client, email="nope", day_phone="12", shipping__postal_code="ABCDE",
                        password="password1", confirm="password1")
    html = response.get_data(as_text=True)
    for field_id in ("email", "day_phone", "shipping-postal_code", "password"):
        assert error_for(html, field_id), field_id


def test_phone_numbers_are_read_in_the_shipping_country(client, db):
    register(client, shipping__country="GB", shipping__postal_code="SW1A 1AA",
             day_phone="020 7946 0958")
    assert [(p.kind, p.number) for p in Phone.select()] == [("day", "+442079460958")]


def test_probing_for_taken_emails_is_throttled_per_ip(client, db):
    make_customer(email="ada.shopper@example.com")
    for _ in range(30):
        register(client)
    html = register(client, email="someone.new@example.com").get_data(as_text=True)
    assert "Too many failed attempts" in html
    assert Customer.select().count() == 1


def test_postal_codes_take_only_ascii_digits(client, db):
    html = register(client, shipping__postal_code="١٢٣٤٥").get_data(as_text=True)
    assert "not a valid postal code" in (error_for(html, "shipping-postal_code") or "")
    assert Customer.select().count() == 0
