"""Back office → Banners: where a banner shows and leads (a page of this shop only), when, its
picture, and the clicks, orders and registrations it brings."""
import re
from datetime import datetime, timedelta
from io import BytesIO
from unittest import mock

import pytest
from werkzeug.datastructures import FileStorage

from storefront.accounts.models import Customer
from storefront.backoffice.banner_figures import banner_figures
from storefront.db import utcnow
from storefront.orders.models import Order
from storefront.reports.period import Period
from storefront.tracking import banners
from storefront.tracking.models import Banner, Touch
from tests.backoffice.test_catalogue_admin import noise_png, post_in_memory
from tests.backoffice.test_partners_admin import error_of, media_files, png, signed_in
from tests.factories import (REGISTRATION, add_to_cart, checkout, csrf_token, make_product,
                             post_form)
from tests.partners.conftest import make_partner
from tests.partners.test_cobrand import frame_of

NEW = "/staff/banners/new"
SPRING = {"partner": "", "campaign": "spring-newsletter", "placement": "newsletter top",
          "target_url": "/search?q=lamp", "starts_at": "2026-03-01T00:00",
          "ends_at": "2026-06-01T00:00"}


def figures_of(html, banner):
    """(clicks, orders, registrations) in the banner's row of the list."""
    row = re.search(rf'<tr data-banner="{banner.id}">(.*?)</tr>', html, re.S).group(1)
    return tuple(int(re.search(rf'<td class="{name}">(\d+)</td>', row).group(1))
                 for name in ("clicks", "orders", "registrations"))


@pytest.mark.parametrize("role", ["admin", "marketing"])
def test_staff_add_list_and_change_banners(app, db, role):
    partner = make_partner("riverbooks", name="Riverbooks")
    client = signed_in(app, role)
    response = post_form(client, NEW, SPRING)
    assert response.status_code == 302, response.get_data(as_text=True)
    banner = Banner.get()
    assert (banner.partner_id, banner.campaign, banner.placement, banner.target_url,
            banner.starts_at, banner.ends_at) == (
        None, "spring-newsletter", "newsletter top", "/search?q=lamp",
        datetime(2026, 3, 1), datetime(2026, 6, 1))
    listing = client.get("/staff/banners/").get_data(as_text=True)
    assert f"/search?q=lamp&amp;banner={banner.id}" in listing
    assert "spring-newsletter" in listing and "newsletter top" in listing

    page = f"/staff/banners/{banner.id}"
    assert 'value="spring-newsletter"' in client.get(page).get_data(as_text=True)
    response = post_form(client, page, {**SPRING, "partner": str(partner.id), "campaign": "",
                                        "placement": "sidebar", "target_url": "/",
                                        "starts_at": "", "ends_at": ""})
    assert response.status_code == 302
    banner = Banner.get_by_id(banner.id)
    assert (banner.partner_id, banner.campaign, banner.placement, banner.target_url,
            banner.starts_at, banner.ends_at) == (partner.id, "", "sidebar", "/", None, None)
    # A partner's banner enters the partner's co-brand on the way to its target.
    assert f"/co/riverbooks/?banner={banner.id}" in client.get(page).get_data(as_text=True)


@pytest.mark.parametrize("target", [
    "//evil.example", "//evil.example/path", "https://evil.example", "http://evil.example/x",
    "javascript:alert(1)", "JavaScript:alert(document.cookie)", "/\\evil.example",
    "\\\\evil.example", "evil.example", "search?q=lamp", "/x\r\nSet-Cookie:a=b", "/p/a b",
    "/co/other/", "/search?q=lamp&banner=3", "data:text/html,<script>1</script>",
    "/p/\u00e9t\u00e9",
])
def test_a_target_that_is_not_a_page_of_this_shop_is_refused(app, db, target):
    client = signed_in(app)
    response = post_form(client, NEW, {**SPRING, "target_url": target})
    assert response.status_code == 400, target
    assert error_of(response.get_data(as_text=True), "target_url"), target
    assert Banner.select().count() == 0


def test_targets_that_are_pages_of_this_shop_are_kept_whole():
    for target in ("/", "/c/lighting", "/search?q=brass+lamp&sort=price", "/p/lamp#reviews",
                   "/search?q=lamp&ref=spring"):
        assert banners.target_problem(target) is None, target
    banner = Banner(id=7, target_url="/p/lamp#reviews")
    assert banners.link(banner) == "/p/lamp?banner=7#reviews"
    assert banners.link(Banner(id=8, target_url="/search?q=a")) == "/search?q=a&banner=8"


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"ends_at": "2026-03-01T00:00"}, "ends_at", "end must come after the start"),
    ({"ends_at": "2026-02-01T00:00"}, "ends_at", "end must come after the start"),
    ({"starts_at": "1 March"}, "starts_at", "like 2026-05-01 09:00"),
    ({"campaign": ""}, "campaign", "Name the campaign"),
    ({"partner": "99999"}, "partner", "Choose a partner from the list"),
    ({"partner": "x"}, "partner", "Choose a partner from the list"),
    ({"placement": ""}, "placement", "Say where the banner is shown"),
    ({"placement": "p" * 81}, "placement", "81"),
])
def test_a_banner_with_a_bad_field_is_refused_next_to_it(app, db, changes, field, message):
    client = signed_in(app)
    response = post_form(client, NEW, {**SPRING, **changes})
    assert response.status_code == 400
    shown = error_of(response.get_data(as_text=True), field) or ""
    assert message in shown or (message == "81" and "80" in shown), shown
    assert Banner.select().count() == 0


def test_a_banner_picture_is_checked_by_its_content(app, db):
    banner = banners.save_banner(None, banners.BannerData(None, "spring", "top", "/"))
    client = signed_in(app)
    page = f"/staff/banners/{banner.id}"
    before = media_files(app, "banners")
    response = post_form(client, f"{page}/image",
                         {"banner-image": (BytesIO(b"GIF89a but really text"), "b.png")},
                         token_page=page)
    assert response.status_code == 400
    assert "not a picture we can read" in error_of(response.get_data(as_text=True),
                                                   "banner-image")
    assert media_files(app, "banners") == before and Banner.get_by_id(banner.id).image == ""
    response = post_form(client, f"{page}/image",
                         {"banner-image": (BytesIO(png((600, 100))), "b.png")}, token_page=page)
    assert response.status_code == 302
    image = Banner.get_by_id(banner.id).image
    assert re.fullmatch(r"banners/[0-9a-f]{32}\.png", image)
    assert media_files(app, "banners") - before == {image.split("/")[1]}
    assert f'src="/media/{image}"' in client.get(page).get_data(as_text=True)


def test_clicks_orders_and_registrations_are_counted_per_banner(app, db, processor):
    partner = make_partner("riverbooks", name="Riverbooks")
    lamp = make_product(name="Brass Lamp")
    spring = banners.save_banner(None, banners.BannerData(None, "spring", "newsletter",
                                                          f"/p/{lamp.slug}"))
    river = banners.save_banner(None, banners.BannerData(partner.id, "", "sidebar",
                                                         "/search?q=lamp"))
    idle = banners.save_banner(None, banners.BannerData(None, "idle", "footer", "/"))

    # A guest clicks the spring banner and buys.
    buyer = app.test_client()
    buyer.get("/")  # an earlier visit: the browser has our cookie
    assert buyer.get(banners.link(spring)).status_code == 200
    add_to_cart(buyer, lamp)
    assert checkout(buyer).status_code == 302
    # Someone clicks the partner's banner: it enters the co-brand, then registers.
    reader = app.test_client()
    reader.get("/")
    arrival = reader.get(banners.link(river))  # /co/riverbooks/search?q=lamp&banner=…
    assert arrival.status_code == 302
    html = reader.get(arrival.location).get_data(as_text=True)
    assert frame_of(html) == ("riverbooks", "top")
    assert post_form(reader, "/account/register", REGISTRATION).status_code == 302
    # A third visitor clicks it twice and does nothing else.
    browser = app.test_client()
    browser.get("/")
    for _ in range(2):
        browser.get(f"/search?q=lamp&banner={river.id}")

    order, customer = Order.get(), Customer.get()
    spring_click = Touch.get(Touch.banner == spring.id)
    assert (order.first_touch_id, order.last_touch_id) == (spring_click.id, spring_click.id)
    assert Touch.get_by_id(customer.first_touch_id).banner_id == river.id
    assert Touch.get_by_id(customer.first_touch_id).partner_id == partner.id

    client = signed_in(app, "marketing")
    html = client.get("/staff/banners/").get_data(as_text=True)
    assert figures_of(html, spring) == (1, 1, 0)
    assert figures_of(html, river) == (3, 0, 1)
    assert figures_of(html, idle) == (0, 0, 0)
    # Days before the clicks count nothing; a range that holds today counts them.
    today = spring_click.at.date()  # not the clock's: midnight may have passed since the click
    html = client.get(f"/staff/banners/?since={today - timedelta(days=9)}"
                      f"&until={today - timedelta(days=2)}").get_data(as_text=True)
    assert figures_of(html, spring) == figures_of(html, river) == (0, 0, 0)
    html = client.get(f"/staff/banners/?since={today}&until={today}").get_data(as_text=True)
    assert figures_of(html, spring) == (1, 1, 0)
    # Orders placed later through an earlier click still count in their own days.
    Touch.update(at=utcnow() - timedelta(days=40)).where(Touch.banner == spring.id).execute()
    html = client.get(f"/staff/banners/?since={today}").get_data(as_text=True)
    assert figures_of(html, spring) == (0, 1, 0)


def test_the_figures_are_one_query_whatever_the_number_of_banners(app, db):
    for number in range(5):
        banner = banners.save_banner(None, banners.BannerData(None, f"c{number}", "top", "/"))
        Touch.create(visitor=f"v{number}", banner=banner, landing_path="/")
    today = utcnow().date()
    with mock.patch.object(db.obj, "execute_sql", wraps=db.obj.execute_sql) as spy:
        figures = banner_figures(Period(today, today))
    assert spy.call_count == 1 and len(figures) == 5
    assert {f.clicks for f in figures.values()} == {1}


@pytest.mark.parametrize("query", ["since=yesterday", "until=2026-13-01", "since=0001-01-01",
                                   "since=2026-05-02&until=2026-05-01", "until=9999-12-31"])
def test_a_bad_period_is_a_400_with_its_message(app, db, query):
    client = signed_in(app)
    response = client.get(f"/staff/banners/?{query}")
    assert response.status_code == 400
    assert 'class="error"' in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["care", "fulfilment", "partner", "legal"])
def test_other_roles_are_refused_every_banner_route(app, db, role):
    banner = banners.save_banner(None, banners.BannerData(None, "spring", "top", "/"))
    client = signed_in(app, role)
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        page = f"/staff/banners/{banner.id}"
        for method, path in [("GET", "/staff/banners/"), ("GET", NEW), ("POST", NEW),
                             ("GET", page), ("POST", page), ("POST", f"{page}/image")]:
            data = SPRING if method == "POST" else None
            assert client.open(path, method=method, data=data).status_code == 403, path
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert Banner.select().count() == 1 and Banner.get().placement == "top"


def test_a_picture_too_large_is_refused_next_to_its_field_below_and_above_the_request_cap(
        app, db):
    banner = banners.save_banner(None, banners.BannerData(None, "spring", "top", "/"))
    client = signed_in(app)
    page = f"/staff/banners/{banner.id}"
    before = media_files(app, "banners")
    near = noise_png(827)  # about 1.96 MB: over the picture's limit, under the request's
    assert banners.IMAGE_LIMITS.max_bytes < len(near) < app.config["MAX_CONTENT_LENGTH"] - 4096
    response = post_in_memory(client, f"{page}/image", {
        "banner-image": FileStorage(BytesIO(near), "near.png"),
        "csrf_token": csrf_token(client, page)})
    assert response.status_code == 400
    assert "a picture may be at most 1.9 MB" in error_of(response.get_data(as_text=True),
                                                         "banner-image")
    response = post_in_memory(client, f"{page}/image", {
        "banner-image": FileStorage(BytesIO(noise_png(1000)), "big.png"),
        "csrf_token": csrf_token(client, page)})
    assert response.status_code == 413
    assert "larger than 2 MB altogether" in error_of(response.get_data(as_text=True),
                                                      "banner-image")
    assert Banner.get_by_id(banner.id).image == "" and media_files(app, "banners") == before
    # A banner that does not exist is a plain 413, and so is a role the route refuses.
    response = post_in_memory(client, "/staff/banners/999999/image",
                              {"banner-image": FileStorage(BytesIO(noise_png(1000)), "b.png")})
    assert response.status_code == 413 and "banner-image-error" not in response.get_data(
        as_text=True)
    other = signed_in(app, "care")
    response = post_in_memory(other, f"{page}/image",
                              {"banner-image": FileStorage(BytesIO(noise_png(1000)), "b.png")})
    assert response.status_code == 413 and "banner-image-error" not in response.get_data(
        as_text=True)
