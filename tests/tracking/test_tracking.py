"""Visitors, touches, the page-view log and "recently viewed" (P17, P18, P19)."""
from datetime import timedelta

import pytest
from flask import g, request_finished

from storefront.accounts.models import Customer
from storefront.catalogue.models import Product
from storefront.db import utcnow
from storefront.orders.models import Order
from storefront.tracking import clicklog
from storefront.tracking.models import Banner, PageView, Touch, Visitor
from storefront.tracking.visits import IDLE

from tests.factories import REGISTRATION, add_to_cart, checkout, make_product, post_form


def make_banner(**overrides):
    fields = {"placement": "home-top", "campaign": "spring"}
    fields.update(overrides)
    return Banner.create(**fields)


def returned(client, path="/"):
    """A first page (the cookie is set), then one that carries it back (the Visitor row)."""
    client.get(path)
    client.get(path)
    return Visitor.get()


def test_pages_are_logged_with_path_referrer_host_and_product(client, db):
    lamp = make_product(name="Brass Lamp")
    client.get("/?utm_nothing=1", headers={"Referer": "https://news.example.org/a?secret=1"})
    client.get(f"/p/{lamp.slug}?x=1")
    views = list(PageView.select().order_by(PageView.id))
    assert [(v.path, v.referrer_host, v.product_id, v.partner_id) for v in views] == [
        ("/", "news.example.org", None, None), (f"/p/{lamp.slug}", "", lamp.id, None)]
    assert views[0].visitor == views[1].visitor == Visitor.get().key


def test_static_files_images_errors_posts_and_staff_pages_are_not_logged(client, db):
    client.get("/")
    client.get("/static/img/placeholder.svg").close()
    client.get("/media/none.png").close()
    client.get("/p/no-such-product")
    client.get("/staff/login")
    post_form(client, "/account/login", {"email": "x@example.com", "password": "wrong"})
    assert [v.path for v in PageView.select()] == ["/", "/account/login"]


def test_a_visitor_row_is_made_when_the_cookie_comes_back(client, db):
    client.get("/")
    assert Visitor.select().count() == 0  # a new id: no row until the browser returns it
    client.get("/")
    visitor = Visitor.get()
    assert visitor.visits == 1 and visitor.first_seen == visitor.last_seen


def test_a_visit_after_thirty_idle_minutes_makes_a_returning_visitor(app, client, db):
    visitor = returned(client)
    seen = []

    def remember(sender, response, **extra):
        seen.append(g.returning)

    with request_finished.connected_to(remember, app):
        client.get("/")
        assert seen == [False] and Visitor.get().visits == 1
        earlier = visitor.last_seen - IDLE - timedelta(seconds=1)
        Visitor.update(last_seen=earlier).execute()
        client.get("/")
        again = Visitor.get()
        assert seen == [False, True] and again.visits == 2 and again.last_seen > earlier
        client.get("/")
        assert seen[-1] is True and Visitor.get().visits == 2  # the same visit


def test_ref_banner_and_utm_record_touches_first_and_last_kept(client, db):
    banner = make_banner()
    client.get(f"/?ref=newsletter&banner={banner.id}",
               headers={"Referer": "https://mail.example.net/x"})
    client.get("/?utm_source=ads&utm_medium=cpc&utm_campaign=spring sale")
    first, last = Touch.select().order_by(Touch.id)
    assert (first.source, first.banner_id, first.landing_path, first.referrer_host) == \
        ("newsletter", banner.id, "/", "mail.example.net")
    assert (last.utm_source, last.utm_medium, last.utm_campaign) == ("ads", "cpc", "spring sale")
    visitor = Visitor.get()
    assert (visitor.first_touch_id, visitor.last_touch_id) == (first.id, last.id)
    assert first.visitor == last.visitor == visitor.key
    assert Touch.banner_clicks(banner).count() == 1
    client.get("/c/nothing")
    assert Touch.select().count() == 2  # a page without tags is no touch


def test_an_unknown_banner_is_ignored(client, db):
    client.get("/?banner=999")
    assert Touch.select().count() == 0
    client.get("/?banner=999&ref=blog")
    assert Touch.get().banner_id is None and Touch.get().source == "blog"


def test_a_banner_counts_clicks_only_between_its_dates(client, db):
    now = utcnow()
    ended = make_banner(ends_at=now - timedelta(days=1))
    early = make_banner(starts_at=now + timedelta(days=1))
    live = make_banner(starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=1))
    for banner in (ended, early):
        response = client.get(f"/search?q=lamp&banner={banner.id}")
        assert response.status_code == 200 and "lamp" in response.get_data(as_text=True)
    assert Touch.select().count() == 0
    client.get(f"/?banner={ended.id}&ref=blog")  # the rest of the link still counts
    assert (Touch.get().banner_id, Touch.get().source) == (None, "blog")
    client.get(f"/?banner={live.id}")
    assert [touch.banner_id for touch in Touch.select().order_by(Touch.id)] == [None, live.id]
    assert Touch.banner_clicks(ended).count() == Touch.banner_clicks(early).count() == 0


@pytest.mark.parametrize("query", [
    "ref=" + "x" * 81, "ref=", "ref=a<b>", "ref=a%01b", "banner=abc", "banner=1.5",
    "banner=-1", "banner=" + "9" * 30, "banner=%EF%BC%91", "utm_source=" + "u" * 500,
    "utm_campaign=%0A", "ref=a&ref=b", "ref=ok&banner=x", "utm_medium=%FF",
])
def test_bad_tracking_values_never_fail_and_record_no_touch(client, db, query):
    make_banner()
    response = client.get(f"/?{query}")
    assert response.status_code == 200
    assert Touch.select().count() == 0


def test_a_nul_byte_is_refused_before_tracking(client, db):
    assert client.get("/?ref=a%00b").status_code == 400
    assert Touch.select().count() == 0


def test_a_registration_and_an_order_carry_first_and_last_touch(client, db, processor):
    banner = make_banner()
    lamp = make_product(name="Brass Lamp")
    client.get(f"/?ref=partner-blog&banner={banner.id}")
    client.get(f"/p/{lamp.slug}?utm_source=mail&utm_campaign=may")
    first, last = Touch.select().order_by(Touch.id)
    response = post_form(client, "/account/register", REGISTRATION)
    assert response.status_code == 302
    customer = Customer.get()
    assert (customer.first_touch_id, customer.last_touch_id) == (first.id, last.id)
    add_to_cart(client, lamp)
    assert checkout(client).status_code == 302
    order = Order.get()
    assert (order.first_touch_id, order.last_touch_id) == (first.id, last.id)


def test_a_guest_order_after_a_single_touch_carries_it_as_first_and_last(client, db,
                                                                         processor):
    lamp = make_product(name="Brass Lamp")
    client.get(f"/p/{lamp.slug}?ref=blog")
    add_to_cart(client, lamp)
    assert checkout(client).status_code == 302
    touch = Touch.get()
    assert (Order.get().first_touch_id, Order.get().last_touch_id) == (touch.id, touch.id)


def test_recently_viewed_is_per_visitor_and_leaves_hidden_products_out(app, db):
    lamp, chair, desk = (make_product(name=n) for n in ("Brass Lamp", "Oak Chair", "Pine Desk"))
    alice, bob = app.test_client(), app.test_client()
    for product in (lamp, chair):
        alice.get(f"/p/{product.slug}")
    bob.get(f"/p/{desk.slug}")
    home = alice.get("/").get_data(as_text=True)
    assert "Recently viewed" in home
    recent = home.split("Recently viewed", 1)[1]
    assert recent.index("Oak Chair") < recent.index("Brass Lamp") and "Pine Desk" not in recent
    bob_home = bob.get("/").get_data(as_text=True).split("Recently viewed", 1)[1]
    assert "Pine Desk" in bob_home and "Brass Lamp" not in bob_home
    page = alice.get(f"/p/{chair.slug}").get_data(as_text=True)
    assert "Brass Lamp" in page.split("Recently viewed", 1)[1]
    Product.update(is_hidden=True).where(Product.id == lamp.id).execute()
    assert "Recently viewed" not in alice.get(f"/p/{chair.slug}").get_data(as_text=True)


def test_recently_viewed_shows_views_and_product_edits_at_once_while_ids_are_kept(
        app, db, monkeypatch):
    """Each process keeps a visitor's ids from the page-view log for TRACKING_FLUSH_SECONDS;
    the views it buffers or has just written, and edits of the products, still show at once."""
    monkeypatch.setitem(app.config, "TRACKING_BUFFER_ROWS", 100)
    monkeypatch.setitem(app.config, "TRACKING_FLUSH_SECONDS", 60)
    for log in (clicklog.clicks, clicklog.request_log):
        monkeypatch.setattr(log, "_start_timer", lambda seconds: None)  # the test flushes
    lamp, chair = make_product(name="Brass Lamp"), make_product(name="Oak Chair")
    browser = app.test_client()

    def recent():
        page = browser.get("/").get_data(as_text=True)
        return page.split("Recently viewed", 1)[1] if "Recently viewed" in page else ""
    try:
        browser.get(f"/p/{lamp.slug}")
        browser.get(f"/p/{chair.slug}")
        assert recent().index("Oak Chair") < recent().index("Brass Lamp")  # buffered
        assert clicklog.flush() > 0 and PageView.select().count() > 0
        assert recent().index("Oak Chair") < recent().index("Brass Lamp")  # just written
        Product.update(name="Copper Lamp").where(Product.id == lamp.id).execute()
        Product.update(is_hidden=True).where(Product.id == chair.id).execute()
        assert "Copper Lamp" in recent() and "Oak Chair" not in recent()
    finally:
        clicklog.clicks.clear()
        clicklog.request_log.clear()


def test_a_first_page_shows_nothing_recently_viewed(client, db):
    make_product(name="Brass Lamp")
    assert "Recently viewed" not in client.get("/").get_data(as_text=True)


def test_without_cookies_nothing_links_requests(app, db):
    banner = make_banner()
    lamp = make_product(name="Brass Lamp")
    browser = app.test_client(use_cookies=False)
    assert browser.get(f"/?ref=blog&banner={banner.id}").status_code == 200
    assert browser.get(f"/p/{lamp.slug}").status_code == 200
    assert "Recently viewed" not in browser.get("/").get_data(as_text=True)
    assert Visitor.select().count() == 0
    keys = [v.visitor for v in PageView.select()] + [t.visitor for t in Touch.select()]
    assert len(keys) == 4 and len(set(keys)) == 3  # the touch and its own page share an id
    assert Touch.get().visitor == PageView.select().order_by(PageView.id).first().visitor


def test_buffered_page_views_are_written_when_full_or_flushed(app, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "TRACKING_BUFFER_ROWS", 3)
    monkeypatch.setitem(app.config, "TRACKING_FLUSH_SECONDS", 0)
    try:
        lamp = make_product(name="Brass Lamp")
        client.get(f"/p/{lamp.slug}")
        client.get("/")
        assert PageView.select().count() == 0
        # Views this process has not written yet still show as recently viewed.
        assert "Brass Lamp" in client.get("/").get_data(as_text=True).split("Recently", 1)[1]
        assert PageView.select().count() == 3
        client.get("/")
        assert clicklog.flush() == 1 and PageView.select().count() == 4
    finally:
        clicklog.clicks.clear()
        clicklog.request_log.clear()
