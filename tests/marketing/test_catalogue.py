"""Catalogue requests (P1): the form checks the address, one pending request per address,
the mail house gets only names and postal addresses, and marking sent covers exactly the
export."""
import csv
import io
import re

import pytest

from storefront.accounts.service import AddressData
from storefront.marketing import catalogue
from storefront.marketing.models import CatalogueRequest
from storefront.privacy import consent, inventory
from storefront.privacy.models import AuditEvent, ConsentEvent

from tests.factories import make_staff, post_form, staff_sign_in

FORM = {"address-name": "Ada Shopper", "address-line1": "1 Main Street",
        "address-line2": "", "address-city": "Springfield", "address-region": "IL",
        "address-postal_code": "62701", "address-country": "US", "email": ""}
STAFF_PAGE = "/staff/marketing/catalogue"


def ask(client, **changes):
    data = {**FORM, **{key.replace("__", "-"): value for key, value in changes.items()}}
    return post_form(client, "/catalogue/request", data)


def error_for(html, field_id):
    match = re.search(rf'id="{re.escape(field_id)}-error">([^<]+)<', html)
    return match.group(1) if match else None


def rows(text):
    return list(csv.reader(io.StringIO(text)))


def marketing_client(app):
    client = app.test_client()
    make_staff("marketing")
    staff_sign_in(client, "marketing@staff.example.com")
    return client


def test_a_request_is_stored_with_its_normalised_address(client, db):
    response = ask(client, address__postal_code=" 62701 ", address__line1="1  main   street")
    assert response.status_code == 302
    assert "your catalogue will be posted" in client.get(response.location).get_data(as_text=True)
    request = CatalogueRequest.get()
    assert (request.name, request.line1, request.postal_code, request.kind) == \
        ("Ada Shopper", "1  main   street", "62701", "shipping")
    assert request.address_key == "1 MAIN STREET||62701|US"
    assert (request.email, request.sent_at) == ("", None)


def test_the_form_says_what_is_wrong_next_to_each_field(client, db):
    response = ask(client, address__name="", address__postal_code="6270",
                   address__city="", email="not-an-address")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert error_for(html, "address-name") == "Enter the recipient&#39;s name."
    assert error_for(html, "address-city") == "Enter the city."
    assert CatalogueRequest.select().count() == 0
    response = ask(client, address__postal_code="6270", email="not-an-address")
    html = response.get_data(as_text=True)
    assert "not a valid postal code for United States" in error_for(html, "address-postal_code")
    assert "@" in error_for(html, "email")
    assert CatalogueRequest.select().count() == 0
    assert ask(client, address__country="ZZ").status_code == 400


def test_a_second_request_for_a_pending_address_is_not_stored_twice(client, db):
    assert ask(client).status_code == 302
    # Another spelling of the same address, by someone else in the household.
    response = ask(client, address__name="Bob Shopper", address__line1=" 1 MAIN  Street ")
    assert response.status_code == 302
    assert "already on its way" in client.get(response.location).get_data(as_text=True)
    assert CatalogueRequest.select().count() == 1
    # Another flat of the building is another address.
    assert ask(client, address__line2="Flat 2").status_code == 302
    assert CatalogueRequest.select().count() == 2
    # Once sent, the address may ask again (next year's catalogue).
    waiting, upto = catalogue.pending_summary()
    catalogue.mark_sent(upto, waiting)
    ask(client)
    assert CatalogueRequest.select().where(CatalogueRequest.sent_at.is_null()).count() == 1


def test_ticked_boxes_are_recorded_only_with_an_email(client, db):
    ask(client, shop_marketing="y")
    assert ConsentEvent.select().count() == 0 and CatalogueRequest.get().email == ""
    ask(client, address__line1="2 Elm Road", email=" Ada.Shopper@Example.com ",
        shop_marketing="y")
    assert CatalogueRequest.get(CatalogueRequest.line1 == "2 Elm Road").email == \
        "Ada.Shopper@example.com"
    events = consent.history(None, "ada.shopper@example.com")
    assert [(e.purpose, e.given, e.channel) for e in events] == \
        [(consent.SHOP_MARKETING, True, "catalogue_request")]
    assert consent.current(None, "ada.shopper@example.com")[consent.PARTNER_OFFERS] is False


def test_the_hint_says_the_boxes_need_an_email(client, db):
    html = client.get("/catalogue/request").get_data(as_text=True)
    assert "Without an address, the boxes below are ignored" in html
    assert 'href="/catalogue/request"' in html  # the footer links to it


def test_the_mail_house_csv_holds_only_names_and_addresses_safely(app, db):
    client = marketing_client(app)
    catalogue.request_catalogue(catalogue_address(name="=HYPERLINK(\"http://x\")"),
                                "ada@example.com", ip="203.0.113.9")
    catalogue.request_catalogue(catalogue_address(line1="2 Elm Road", line2="+1 back door"))
    html = client.get(STAFF_PAGE).get_data(as_text=True)
    assert "<strong>2</strong> requests wait" in html
    upto = int(re.search(r"requests\.csv\?upto=(\d+)", html).group(1))
    response = client.get(f"/staff/marketing/catalogue/requests.csv?upto={upto}")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    table = rows(response.get_data(as_text=True))
    assert table[0] == ["name", "line1", "line2", "city", "region", "postal_code", "country"]
    assert table[1] == ["'=HYPERLINK(\"http://x\")", "1 Main Street", "", "Springfield", "IL",
                        "62701", "US"]
    assert table[2][:3] == ["Ada Shopper", "2 Elm Road", "'+1 back door"]
    text = response.get_data(as_text=True)
    assert "ada@example.com" not in text and "203.0.113.9" not in text
    event = AuditEvent.get()
    assert event.action == AuditEvent.EXPORTED and "mail house" in event.what


def test_the_csv_columns_are_allowed_for_the_mail_house():
    header = rows(catalogue.mail_house_csv([]))[0]
    assert header == list(catalogue.MAIL_HOUSE_COLUMNS)
    carried = [field for column in header for field in catalogue.MAIL_HOUSE_COLUMNS[column]]
    assert inventory.undeclared_for(inventory.MAIL_HOUSE, carried) == []
    # The check would catch an email column: the mail house may not have it.
    assert inventory.undeclared_for(inventory.MAIL_HOUSE, ["CatalogueRequest.email"]) == \
        ["CatalogueRequest.email"]


def test_marking_sent_covers_the_export_and_not_a_request_that_came_after(app, db):
    client = marketing_client(app)
    first, _ = catalogue.request_catalogue(catalogue_address())
    html = client.get(STAFF_PAGE).get_data(as_text=True)
    upto = int(re.search(r'name="upto" type="hidden" value="(\d+)"', html).group(1))
    exported = rows(client.get(f"/staff/marketing/catalogue/requests.csv?upto={upto}")
                    .get_data(as_text=True))
    late, _ = catalogue.request_catalogue(catalogue_address(line1="9 Late Lane"))
    response = post_form(client, "/staff/marketing/catalogue/sent",
                         {"upto": upto, "count": 1}, token_page=STAFF_PAGE)
    assert response.status_code == 302
    assert "1 request marked as sent" in client.get(STAFF_PAGE).get_data(as_text=True)
    assert len(exported) == 2 and exported[1][1] == "1 Main Street"
    assert CatalogueRequest.get_by_id(first.id).sent_at is not None
    assert CatalogueRequest.get_by_id(late.id).sent_at is None
    html = client.get(STAFF_PAGE).get_data(as_text=True)
    assert "<strong>1</strong> request waits" in html
    # A post without the export's cut-off marks nothing.
    bad = post_form(client, "/staff/marketing/catalogue/sent", {"upto": "x"},
                    token_page=STAFF_PAGE)
    assert bad.status_code == 400 and "Nothing was marked" in bad.get_data(as_text=True)
    assert CatalogueRequest.get_by_id(late.id).sent_at is None


def test_a_request_committed_under_the_cut_off_after_the_download_stops_the_marking(db):
    """Ids are handed out at insert, not commit: a request under the cut-off that was not
    in the download is caught by the count the page showed, and nothing is marked."""
    catalogue.request_catalogue(catalogue_address())
    waiting, upto = catalogue.pending_summary()
    sneaked, _ = catalogue.request_catalogue(catalogue_address(line1="9 Late Lane"))
    CatalogueRequest.update(id=upto - 1 if upto > 1 else 0).where(
        CatalogueRequest.id == sneaked.id).execute()  # as if it had got a lower id
    with pytest.raises(catalogue.ExportChanged):
        catalogue.mark_sent(upto, waiting)
    assert CatalogueRequest.select().where(CatalogueRequest.sent_at.is_null()).count() == 2


def test_only_marketing_and_admin_see_the_requests(app, db):
    client = app.test_client()
    make_staff("care")
    staff_sign_in(client, "care@staff.example.com")
    assert client.get(STAFF_PAGE).status_code == 403
    assert client.get("/staff/marketing/catalogue/requests.csv").status_code == 403
    admin = app.test_client()
    make_staff("admin")
    staff_sign_in(admin, "admin@staff.example.com")
    assert "No catalogue requests are waiting" in admin.get(STAFF_PAGE).get_data(as_text=True)
    assert admin.get("/staff/marketing/catalogue/requests.csv?upto=abc").status_code == 400


def catalogue_address(**overrides):
    fields = {"name": "Ada Shopper", "line1": "1 Main Street", "city": "Springfield",
              "postal_code": "62701", "country": "US", "region": "IL"}
    return AddressData(**{**fields, **overrides})
