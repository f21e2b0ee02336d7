"""HTTPS through the test client: the shop behind a TLS-terminating proxy (PROXY_COUNT=1),
served over HTTPS directly, and in development over plain HTTP, where nothing changes.

With PREFERRED_URL_SCHEME=https every cookie is Secure, HSTS says one year, plain HTTP is
sent to https:// (GET, HEAD) or refused (anything else), X-Forwarded-Proto counts only
from a trusted proxy, and no Host header can choose where the redirect goes.
"""
import re

import pytest

from storefront import create_app
from storefront.partners.service import add_partner
from storefront.tracking.models import PageView, RequestLog

from tests.factories import PASSWORD, make_customer, make_product

SHOP = "https://shop.example.com"
SHOP_DOOR = "http://shop.example.com"  # what the app sees behind the proxy: plain HTTP
FORWARDED_HTTPS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
FORWARDED_HTTP = {"X-Forwarded-Proto": "http", "X-Forwarded-For": "203.0.113.9"}
ONE_YEAR = "max-age=31536000"
COOKIES = ("sf_session", "sf_remember", "sf_visitor", "sf_last_email", "sf_cobrand")


@pytest.fixture
def shop_app(database_url, monkeypatch):
    """create_app as a server builds it, from the environment: https at SHOP."""
    def build(proxies=1, **environment):
        for name, value in {"PREFERRED_URL_SCHEME": "https", "SHOP_URL": SHOP,
                            "PROXY_COUNT": str(proxies), **environment}.items():
            monkeypatch.setenv(name, value)
        return create_app({"DATABASE_URL": database_url, "TESTING": True, "CACHE_SECONDS": 0})
    return build


def _token(response):
    html = response.get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _set_cookies(response):
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def _sign_in(client, base_url, headers):
    """Open the login page and sign in with remember-me, as a browser does: the responses."""
    page = client.get("/account/login", base_url=base_url, headers=headers)
    signed_in = client.post("/account/login", base_url=base_url, data={
        "email": "ada@example.com", "password": PASSWORD, "remember": "y",
        "csrf_token": _token(page)}, headers={**headers, "Referer": f"{SHOP}/account/login"})
    return page, signed_in


def test_behind_the_trusted_proxy_every_cookie_is_secure_and_hsts_says_one_year(shop_app, db):
    app = shop_app()
    make_customer()
    add_partner("riverbooks", "Riverbooks", "https://riverbooks.example/privacy")
    client = app.test_client()
    entry = client.get("/co/riverbooks/", base_url=SHOP_DOOR, headers=FORWARDED_HTTPS)
    assert entry.status_code == 200 and "Riverbooks" in entry.get_data(as_text=True)
    page, signed_in = _sign_in(client, SHOP_DOOR, FORWARDED_HTTPS)
    assert signed_in.status_code == 302 and signed_in.location == "/account/"
    account = client.get("/account/", base_url=SHOP_DOOR, headers=FORWARDED_HTTPS)
    assert "Signed in as" in account.get_data(as_text=True)

    set_cookies = {}
    for response in (entry, page, signed_in, account):
        assert response.headers["Strict-Transport-Security"] == ONE_YEAR
        set_cookies.update(_set_cookies(response))
    assert set(set_cookies) == set(COOKIES)
    for name, header in set_cookies.items():
        flags = {flag.strip().lower() for flag in header.split(";")[1:]}
        assert {"secure", "httponly", "samesite=lax"} <= flags, header
        assert client.get_cookie(name, domain="shop.example.com").secure, name
    # The proxy's view of the client is the one logged (and only the proxy was believed).
    assert {row.ip for row in RequestLog.select()} == {"203.0.113.9"}


def test_subdomains_are_in_hsts_only_when_configured(shop_app, db):
    app = shop_app(HSTS_INCLUDE_SUBDOMAINS="true")
    response = app.test_client().get("/", base_url=SHOP_DOOR, headers=FORWARDED_HTTPS)
    assert response.headers["Strict-Transport-Security"] == f"{ONE_YEAR}; includeSubDomains"


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_plain_http_through_the_proxy_is_sent_to_the_same_address_on_https(
        shop_app, db, method):
    make_product(name="Brass Lamp")
    client = shop_app().test_client()
    response = client.open("/p/brass-lamp?ref=news&x=%C3%A9%20y", method=method,
                           base_url=SHOP_DOOR, headers=FORWARDED_HTTP)
    assert response.status_code == 301
    assert response.location == f"{SHOP}/p/brass-lamp?ref=news&x=%C3%A9%20y"
    assert response.headers["Cache-Control"] == "no-store"
    # Nothing reached the shop: no cookie, no visit, no request logged, no HSTS over HTTP.
    assert "Set-Cookie" not in response.headers
    assert "Strict-Transport-Security" not in response.headers
    assert RequestLog.select().count() == PageView.select().count() == 0
    followed = client.get(response.location, headers=FORWARDED_HTTPS)
    assert followed.status_code == 200 and "Brass Lamp" in followed.get_data(as_text=True)


def test_a_form_sent_over_plain_http_is_refused_not_redirected(shop_app, db):
    make_customer()
    client = shop_app().test_client()
    page = client.get("/account/login", base_url=SHOP_DOOR, headers=FORWARDED_HTTPS)
    response = client.post("/account/login", base_url=SHOP_DOOR, headers=FORWARDED_HTTP, data={
        "email": "ada@example.com", "password": PASSWORD, "csrf_token": _token(page)})
    assert response.status_code == 400 and "Location" not in response.headers
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True) == (
        f"This shop takes forms over HTTPS only. Open {SHOP}/account/login "
        "and send the form again.\n")
    assert "Set-Cookie" not in response.headers
    account = client.get("/account/", base_url=SHOP_DOOR, headers=FORWARDED_HTTPS)
    assert "Signed in as" not in account.get_data(as_text=True)  # the form was not taken


@pytest.mark.parametrize("headers", [
    {},  # the proxy sent nothing: plain HTTP
    {"X-Forwarded-Proto": "https, http"},  # the client's own claim, then the proxy's
])
def test_only_the_trusted_proxys_x_forwarded_proto_counts(shop_app, db, headers):
    response = shop_app().test_client().get("/cart/", base_url=SHOP_DOOR, headers=headers)
    assert response.status_code == 301 and response.location == f"{SHOP}/cart/"


def test_without_proxy_trust_x_forwarded_proto_is_ignored(shop_app, db):
    client = shop_app(proxies=0).test_client()
    spoofed = client.get("/cart/", base_url=SHOP_DOOR, headers=FORWARDED_HTTPS)
    assert spoofed.status_code == 301 and spoofed.location == f"{SHOP}/cart/"
    # Served over HTTPS itself (storefront serve --tls): the page, with HSTS.
    direct = client.get("/cart/", base_url=SHOP, headers={"X-Forwarded-For": "203.0.113.9"})
    assert direct.status_code == 200
    assert direct.headers["Strict-Transport-Security"] == ONE_YEAR
    assert RequestLog.get().ip == "127.0.0.1"  # X-Forwarded-For untrusted too


@pytest.mark.parametrize("host, forwarded_host", [
    ("evil.example", None),
    ("evil.example:8080", None),
    ("shop.example.com@evil.example", None),
    ("evil.example#shop.example.com", None),
    ("shop.example.com", "evil.example"),  # the trusted proxy passed the client's Host on
    ("[::1]", None),
    ("bad host", None),
])
def test_no_host_header_can_choose_where_the_redirect_goes(shop_app, db, host, forwarded_host):
    client = shop_app().test_client()
    headers = {"Host": host, **({"X-Forwarded-Host": forwarded_host} if forwarded_host else {})}
    for path, target in (("/cart/", "/cart/"), ("//evil.example/x", "/evil.example/x"),
                         ("/\\evil.example", "/%5Cevil.example")):
        response = client.get("/", base_url=SHOP_DOOR, headers=headers,
                              environ_overrides={"PATH_INFO": path})
        assert response.status_code == 301
        assert response.location == SHOP + target, (host, path)


def test_a_partners_own_host_name_keeps_its_frame_on_https(shop_app, db):
    add_partner("riverbooks", "Riverbooks", "https://riverbooks.example/privacy",
                hosts=["books.riverbooks.example"])
    client = shop_app().test_client()
    response = client.get("/?ref=river", base_url="http://books.riverbooks.example:80")
    assert response.location == "https://books.riverbooks.example/?ref=river"
    framed = client.get(response.location, headers=FORWARDED_HTTPS)
    assert "Riverbooks" in framed.get_data(as_text=True)


def test_a_clients_x_forwarded_host_cannot_choose_a_partners_frame(shop_app, db):
    add_partner("acme", "Acme Outdoors", "https://acme.example/privacy",
                hosts=["shop.acme.example"])
    headers = {**FORWARDED_HTTPS, "X-Forwarded-Host": "shop.acme.example"}
    # The proxy recipe forwards Host and leaves a client's X-Forwarded-Host as it came.
    page = shop_app().test_client().get("/", base_url=SHOP_DOOR, headers=headers)
    assert page.status_code == 200 and "Acme Outdoors" not in page.get_data(as_text=True)
    # Only when the operator says the proxy sets it (overwriting the client's) is it believed.
    trusting = shop_app(TRUST_X_FORWARDED_HOST="1").test_client()
    framed = trusting.get("/", base_url=SHOP_DOOR, headers=headers)
    assert "Acme Outdoors" in framed.get_data(as_text=True)


def test_health_checks_and_metrics_answer_over_plain_http(shop_app, db):
    client = shop_app(METRICS_TOKEN="token-for-the-scraper").test_client()
    assert client.get("/healthz", base_url=SHOP_DOOR).status_code == 200
    assert client.get("/metrics", base_url=SHOP_DOOR, headers={
        "Authorization": "Bearer token-for-the-scraper"}).status_code == 200
    assert client.get("/healthz/", base_url=SHOP_DOOR).status_code == 301


def test_https_set_in_code_makes_the_cookies_secure_too(database_url, db):
    app = create_app({"DATABASE_URL": database_url, "TESTING": True,
                      "PREFERRED_URL_SCHEME": "https", "SHOP_URL": SHOP})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    response = app.test_client().get("/", base_url=SHOP)
    assert "Secure" in response.headers["Set-Cookie"]


def test_a_misspelt_scheme_is_refused_at_start(database_url, monkeypatch):
    monkeypatch.setenv("PREFERRED_URL_SCHEME", "htps")
    with pytest.raises(ValueError, match="PREFERRED_URL_SCHEME must be http or https"):
        create_app({"DATABASE_URL": database_url, "TESTING": True})


def test_in_development_plain_http_is_served_as_it_is(client, db):
    make_customer()
    page, signed_in = _sign_in(client, "http://localhost", {"X-Forwarded-Proto": "https"})
    assert page.status_code == 200 and signed_in.status_code == 302
    for response in (page, signed_in):
        assert "Strict-Transport-Security" not in response.headers
        assert all("Secure" not in header for header in _set_cookies(response).values())
