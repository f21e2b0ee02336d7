"""Security defaults: headers, cookie flags, CSRF on every form, friendly errors."""
import pytest

from storefront import create_app
from storefront.privacy import mailing
from storefront.web.redirects import safe_next

from tests.checkout.test_invitation import guest_order, sent_token
from tests.factories import csrf_token, make_customer, make_product, sign_in


def test_every_page_carries_the_security_headers(client, db):
    make_product(name="Brass Lamp")
    for path in ("/", "/p/brass-lamp", "/account/login", "/nowhere"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert headers["X-Frame-Options"] == "DENY"
        assert "Strict-Transport-Security" not in headers  # plain HTTP in development


def test_a_page_whose_url_holds_a_token_sends_no_referrer_and_is_not_cached(app, client, db):
    with app.test_request_context():
        unsubscribe = mailing.make_token(["shop_marketing"], None, "ada@example.com")
    invitation = sent_token(app, guest_order())
    for path, status in ((f"/checkout/invitation/{invitation}", 200),
                         (f"/unsubscribe/{unsubscribe}", 200),
                         ("/checkout/invitation/not-one-we-sent", 404)):
        response = client.get(path)
        assert response.status_code == status, path
        assert response.headers["Referrer-Policy"] == "no-referrer", path
        assert response.headers["Cache-Control"] == "no-store", path
    other = client.get("/account/login").headers  # a page without a token keeps the default
    assert other["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "no-store" not in other.get("Cache-Control", "")


def test_pages_carry_no_inline_script(client, db):
    make_product(name="Brass Lamp")
    for path in ("/", "/p/brass-lamp", "/account/register", "/cart/"):
        html = client.get(path).get_data(as_text=True)
        assert "<script" not in html and "onclick" not in html and "style=" not in html


def test_cookies_are_http_only_and_same_site(client, db):
    make_customer()
    sign_in(client, remember="y")
    for name in ("sf_session", "sf_remember", "sf_visitor", "sf_last_email"):
        cookie = client.get_cookie(name)
        assert cookie is not None, name
        assert cookie.http_only and cookie.same_site == "Lax", name
        assert not cookie.secure, name  # plain HTTP in development


def test_over_https_every_cookie_is_secure_and_hsts_is_sent(database_url, monkeypatch):
    monkeypatch.setenv("PREFERRED_URL_SCHEME", "https")
    secure_app = create_app({"DATABASE_URL": database_url, "TESTING": True, "PROXY_COUNT": 1})
    make_customer()
    client = secure_app.test_client()
    headers = {"X-Forwarded-Proto": "https", "Referer": "https://localhost/account/login"}
    page = client.get("/account/login", headers=headers, base_url="https://localhost")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    token = csrf_token(client)
    response = client.post("/account/login", base_url="https://localhost", headers=headers, data={
        "email": "ada@example.com", "password": "correct horse battery staple",
        "remember": "y", "csrf_token": token})
    assert response.status_code == 302
    for name in ("sf_session", "sf_remember", "sf_visitor", "sf_last_email"):
        cookie = client.get_cookie(name, domain="localhost")
        assert cookie is not None and cookie.secure, name


def test_a_post_without_csrf_token_is_refused(client, db):
    make_customer()
    client.get("/account/login")
    response = client.post("/account/login", data={"email": "ada@example.com",
                                                   "password": "correct horse battery staple"})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert client.get_cookie("sf_remember") is None
    assert "Signed in as" not in client.get("/account/").get_data(as_text=True)


@pytest.mark.parametrize("path, code, text", [
    ("/no/such/page", 404, "Page not found"),
    ("/c/lighting?page=abc", 400, "must be a whole number"),
])
def test_errors_have_friendly_pages(client, db, path, code, text):
    make_product(name="Brass Lamp")
    response = client.get(path)
    assert response.status_code == code
    html = response.get_data(as_text=True)
    assert text in html and "Back to the shop" in html and "Traceback" not in html


def test_method_not_allowed_is_friendly(client):
    response = client.get("/account/logout")
    assert response.status_code == 405
    assert "cannot be used that way" in response.get_data(as_text=True)


@pytest.mark.parametrize("target, expected", [
    ("/cart/", "/cart/"), ("/c/x?page=2", "/c/x?page=2"), ("https://evil.example/", "/"),
    ("//evil.example", "/"), ("/\\evil.example", "/"), ("javascript:alert(1)", "/"),
    ("http:///evil", "/"), ("/ok\r\nSet-Cookie: x", "/"), (None, "/"), ("", "/"),
])
def test_safe_next_keeps_only_local_paths(target, expected):
    assert safe_next(target) == expected


def test_an_unexpected_error_gets_the_friendly_page_without_details(database_url):
    broken = create_app({"DATABASE_URL": database_url, "TESTING": True})

    @broken.get("/explode")
    def explode():
        raise RuntimeError("secret internals")

    response = broken.test_client().get("/explode")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in html and "secret internals" not in html
