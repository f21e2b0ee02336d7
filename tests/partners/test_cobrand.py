"""Co-branded pages (P16): entering a partner's frame by link or host, staying, leaving."""
import re

import pytest
from flask.testing import FlaskClient

from storefront.accounts.models import Customer
from storefront.orders.models import Order
from tests.factories import (REGISTRATION, add_to_cart, checkout, make_product, make_staff,
                             post_form, staff_sign_in)
from tests.partners.conftest import make_partner


class HostClient(FlaskClient):
    """A test client whose every request names this host (a partner's own host name)."""

    def __init__(self, app, host):
        super().__init__(app, app.response_class, use_cookies=True)
        self.host = host

    def open(self, *args, **kwargs):
        kwargs["headers"] = {"Host": self.host, **dict(kwargs.get("headers") or {})}
        return super().open(*args, **kwargs)


def frame_of(html):
    """(slug, position in the page) of the co-brand frame, or None."""
    match = re.search(r'data-cobrand="([^"]+)" data-frame="([^"]+)"', html)
    if not match:
        return None
    main = html.index('id="main"')
    return match.group(1), "top" if match.start() < main else "bottom"


def test_entry_link_remembers_the_partner_and_redirects_keeping_the_query(
        client, riverbooks):
    client.get("/")  # the browser has our cookies: the entry answers with a redirect
    response = client.get("/co/riverbooks/search?q=lamp&ref=news&banner=7")
    assert response.status_code == 302
    assert response.location == "/search?q=lamp&ref=news&banner=7"
    html = client.get(response.location).get_data(as_text=True)
    assert frame_of(html) == ("riverbooks", "top")
    assert "Riverbooks readers' corner" in html  # the theme's own block
    assert "/cobrand/riverbooks/static/logo.svg" in html  # the partner's logo
    assert "/cobrand/default/static/shop-logo.svg" in html  # and the shop's: both brands
    assert 'href="https://riverbooks.example/privacy"' in html
    assert "Riverbooks's privacy policy" in html
    assert "Leave Riverbooks's shop" in html
    assert "/cobrand/riverbooks/static/theme.css" in html
    # It stays on every page until the visitor leaves.
    assert frame_of(client.get("/account/register").get_data(as_text=True))[0] == "riverbooks"


def test_a_first_visit_without_cookies_shows_the_entry_page_itself_in_the_frame(
        app, riverbooks):
    browser = app.test_client(use_cookies=False)
    response = browser.get("/co/riverbooks/?ref=news")
    assert response.status_code == 200
    assert frame_of(response.get_data(as_text=True)) == ("riverbooks", "top")
    # Without cookies the next page is the shop's own; nothing breaks.
    assert frame_of(browser.get("/").get_data(as_text=True)) is None


def test_bottom_frame_and_partner_with_one_logo(client, northwind):
    html = client.get("/co/northwind/").get_data(as_text=True)
    assert frame_of(html) == ("northwind", "bottom")
    assert "Northwind members" in html and "/cobrand/northwind/static/logo.svg" in html
    assert "shop-logo.svg" in html
    make_partner("solo", name="Solo", show_both_logos=False)
    html = client.get("/co/solo/", follow_redirects=True).get_data(as_text=True)
    assert frame_of(html) == ("solo", "top") and "shop-logo.svg" not in html
    assert "You are shopping at" in html  # no theme folder: the default frame


def test_partner_host_name_frames_every_page(app, riverbooks, northwind):
    browser = app.test_client()
    html = browser.get("/", headers={"Host": "shop.northwind.example"}).get_data(as_text=True)
    assert frame_of(html) == ("northwind", "bottom")
    assert frame_of(browser.get("/", headers={"Host": "SHOP.RIVERBOOKS.EXAMPLE:8000"})
                    .get_data(as_text=True)) == ("riverbooks", "top")
    assert frame_of(app.test_client().get("/").get_data(as_text=True)) is None


def test_leaving_the_cobrand(client, riverbooks):
    client.get("/co/riverbooks/")
    response = post_form(client, "/cobrand/leave", {"next": "/search?q=x"}, token_page="/")
    assert response.status_code == 303 and response.location == "/search?q=x"
    assert frame_of(client.get("/").get_data(as_text=True)) is None
    client.get("/co/riverbooks/")  # a new entry link enters again
    assert frame_of(client.get("/").get_data(as_text=True))[0] == "riverbooks"


def test_leaving_a_partner_host_frame(app, riverbooks):
    browser = HostClient(app, "shop.riverbooks.example")
    assert frame_of(browser.get("/").get_data(as_text=True))[0] == "riverbooks"
    post_form(browser, "/cobrand/leave", {"next": "/"}, token_page="/")
    assert frame_of(browser.get("/").get_data(as_text=True)) is None


def test_leaving_needs_the_form_and_goes_to_this_site_only(client, riverbooks):
    client.get("/co/riverbooks/")
    assert client.post("/cobrand/leave", data={"next": "/"}).status_code == 400  # no CSRF
    assert client.get("/cobrand/leave").status_code == 405
    response = post_form(client, "/cobrand/leave", {"next": "//evil.example/x"},
                         token_page="/")
    assert response.location == "/"


def test_entering_another_partner_switches_frames(client, riverbooks, northwind):
    client.get("/co/riverbooks/")
    client.get("/co/northwind/")
    assert frame_of(client.get("/").get_data(as_text=True)) == ("northwind", "bottom")


def test_unknown_or_inactive_partners_are_not_found(client, riverbooks):
    assert client.get("/co/nobody/").status_code == 404
    riverbooks.is_active = False
    riverbooks.save()
    assert client.get("/co/riverbooks/").status_code == 404
    assert client.get("/", headers={"Host": "shop.riverbooks.example"}).status_code == 200
    assert frame_of(client.get("/", headers={"Host": "shop.riverbooks.example"})
                    .get_data(as_text=True)) is None


@pytest.mark.parametrize("path", [
    "/co/riverbooks//evil.example/", "/co/riverbooks//evil.example",
    "/co/riverbooks/%2F%2Fevil.example", "/co/riverbooks/\\evil.example",
    "/co/riverbooks/%5Cevil.example", "/co/riverbooks/%0d%0aLocation:%20http://evil.example",
    "/co/Riverbooks/", "/co/../riverbooks/", "/co/riverbooks/https://evil.example",
])
def test_entry_paths_cannot_redirect_off_site(client, riverbooks, path):
    client.get("/")
    response = client.get(path)
    location = response.headers.get("Location", "")
    assert response.status_code in (302, 404), path
    assert "evil.example" not in location.split("?")[0].lstrip("/").split("/")[0]
    assert location == "" or (location.startswith("/") and not location.startswith("//"))
    assert "\\" not in location and "\n" not in location


def test_a_tampered_cookie_is_ignored(client, riverbooks):
    client.set_cookie("sf_cobrand", "riverbooks")  # unsigned
    assert frame_of(client.get("/").get_data(as_text=True)) is None


def test_registration_and_order_in_the_cobrand_carry_the_partner(client, db, processor,
                                                                  riverbooks, northwind):
    lamp = make_product(name="Brass Lamp", price_cents=4250, stock=5)
    client.get("/co/riverbooks/")
    assert post_form(client, "/account/register", REGISTRATION).status_code == 302
    customer = Customer.get()
    assert customer.partner_id == riverbooks.id
    # Signing in again keeps the co-brand (it is not in the session that sign-in clears).
    assert frame_of(client.get("/account/").get_data(as_text=True))[0] == "riverbooks"
    add_to_cart(client, lamp)
    assert checkout(client).status_code == 302
    order = Order.get()
    assert (order.partner_id, order.customer_id) == (riverbooks.id, customer.id)


def test_a_guest_order_through_a_partner_host_carries_the_partner(app, db, processor,
                                                                  northwind):
    browser = HostClient(app, "shop.northwind.example")
    add_to_cart(browser, make_product())
    assert checkout(browser).status_code == 302
    assert Order.get().partner_id == northwind.id


def test_outside_a_cobrand_nothing_is_tagged(client, db, processor, riverbooks):
    post_form(client, "/account/register", REGISTRATION)
    add_to_cart(client, make_product())
    checkout(client)
    assert Customer.get().partner is None and Order.get().partner is None


def test_staff_pages_never_show_a_partner_frame(client, riverbooks):
    make_staff("care")
    client.get("/co/riverbooks/")
    staff_sign_in(client, "care@staff.example.com")
    html = client.get("/staff/").get_data(as_text=True)
    assert "data-cobrand" not in html and "Riverbooks" not in html
    assert "theme.css" not in html


def test_the_remembered_header_and_footer_links_are_those_url_for_builds(app, riverbooks):
    """web.pipeline.link remembers each link per script root: whichever page builds it
    first, co-brand entry or the shop's own, every page gets what url_for gives."""
    from flask import url_for

    from storefront.web import pipeline
    pipeline._links.clear()
    framed = app.test_client(use_cookies=False).get("/co/riverbooks/").get_data(as_text=True)
    own = app.test_client(use_cookies=False).get("/").get_data(as_text=True)
    with app.test_request_context("/"):
        expected = [url_for(endpoint) for endpoint in ("cart.show", "support.contact")]
    for html in (framed, own):
        assert all(f'href="{path}"' in html for path in expected)
