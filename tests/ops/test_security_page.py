"""The public security page: linked from every page's footer, and its figures are the ones
the shop runs with."""
import re

from storefront.accounts import sessions, throttle
from storefront.accounts import staff as staff_accounts
from storefront.accounts.current import FRESH_MINUTES
from storefront.tracking.models import PageView

from tests.factories import add_to_cart, fill_details, make_product


def text_of(html):
    """The page's words without tags or line breaks, as a reader meets them."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_footer_of_every_page_links_to_it(client, db):
    lamp = make_product(name="Brass Lamp")
    add_to_cart(client, lamp)
    for path in ("/", f"/p/{lamp.slug}", "/cart/", "/checkout/", "/privacy", "/account/login",
                 "/no-such-page"):
        html = client.get(path).get_data(as_text=True)
        footer = html[html.index('<footer class="site-footer">'):]
        assert '<a href="/security">Security</a>' in footer, path


def test_the_page_states_the_figures_the_shop_runs_with(app, client, monkeypatch):
    for name, value in (("PRIVACY_IP_DAYS", 45), ("REQUEST_LOG_DAYS", 400),
                        ("STAFF_IDLE_MINUTES", 20)):
        monkeypatch.setitem(app.config, name, value)
    response = client.get("/security")
    assert response.status_code == 200
    text = text_of(response.get_data(as_text=True))
    for statement in (
            "IP addresses are removed after 45 days and the entries deleted after 400 days",
            "session ends after 20 minutes without use",
            f"After {throttle.MAX_FAILURES_PER_ACCOUNT} wrong passwords for one account within "
            f"{int(throttle.WINDOW.total_seconds()) // 60} minutes",
            f"from an address that failed {throttle.MAX_FAILURES_PER_IP} times",
            f"locks for {int(staff_accounts.STAFF_LOCK_FOR.total_seconds()) // 60} minutes after "
            f"{staff_accounts.STAFF_LOCK_AFTER} failures",
            f"after {int(sessions.CUSTOMER_IDLE.total_seconds()) // 3600} hours without use, or "
            f"{sessions.REMEMBERED_FOR.days} days after you signed in",
            f"Sign-in attempts are kept for {throttle.RETENTION.days} days",
            "brand, its first digit, its last four digits and its expiry date",
            "We never store it",
            "the associate sees only the brand, first digit, last four and expiry",
            "sealed as it is made",
            f"unless it was typed in this browser in the last {FRESH_MINUTES} minutes"):
        assert statement in text, statement


def test_it_says_whether_the_shop_is_served_over_https(app, client, monkeypatch):
    plain = text_of(client.get("/security").get_data(as_text=True))
    assert "running without HTTPS" in plain and "HSTS" not in plain
    monkeypatch.setitem(app.config, "PREFERRED_URL_SCHEME", "https")
    secure = text_of(client.get("/security").get_data(as_text=True))
    assert "Every page travels over HTTPS" in secure and "HSTS" in secure
    assert "running without HTTPS" not in secure


def test_it_is_a_page_like_any_other(client, db):
    client.get("/")  # the visitor cookie is kept from here on
    before = PageView.select().count()
    response = client.get("/security")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert PageView.select().count() == before + 1


def test_the_card_step_of_checkout_links_to_it(client, db):
    add_to_cart(client, make_product())
    fill_details(client)
    html = client.get("/checkout/payment").get_data(as_text=True)
    card_part = html[html.index("<legend>A new card</legend>"):]
    assert 'href="/security">How we keep cards and accounts safe</a>' in card_part
