"""A checkout in Chromium over real HTTPS: `storefront serve --tls` (gunicorn) with a fresh
self-signed pair, a migrated and seeded SQLite file and the sandbox processor. The cookie
flags and HSTS are checked on the responses the browser really received.

Only this test's browser context ignores certificate errors; the server's readiness is
checked by a client that trusts the new certificate itself, so the pair really serves TLS.
(Plain HTTP behind a proxy is redirected: tests/ops/test_https.py, through the test client.)
"""
import os
import re
import sqlite3
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import TIMEOUT_MS
from tests.factories import APPROVED_CARD
from tests.sandbox import free_port

pytestmark = pytest.mark.e2e

STOREFRONT = str(Path(sys.executable).with_name("storefront"))
ONE_YEAR = "max-age=31536000"
# Settings of the test run that must not leak into the server: it reads its own.
NOT_INHERITED = ("DATABASE_URL", "SECRET_KEY", "PREFERRED_URL_SCHEME", "SHOP_URL",
                 "PROXY_COUNT", "TLS_CERT_FILE", "TLS_KEY_FILE", "HSTS_INCLUDE_SUBDOMAINS")


def _wait_until_served(url, context, server, deadline=30):
    """Poll url over TLS (trusting only the new certificate) until the server answers."""
    give_up = time.monotonic() + deadline
    while True:
        try:
            with urllib.request.urlopen(url, context=context, timeout=5) as response:
                return response.status
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if server.poll() is not None or time.monotonic() > give_up:
                server.kill()
                pytest.fail("the HTTPS server did not start:\n" + server.stdout.read())
            time.sleep(0.2)


@pytest.fixture
def https_shop(tmp_path, processor):
    """The shop served over HTTPS on a free port: (base URL, demo password, SQLite file)."""
    env = {**os.environ, "STOREFRONT_INSTANCE": str(tmp_path), "WEB_CONCURRENCY": "2",
           "PROCESSOR_URL": processor.url,
           "PROCESSOR_PUBLIC_KEY_FILE": str(processor.public_key_file)}
    for name in NOT_INHERITED:
        env.pop(name, None)
    for command in (["migrate"], ["seed"], ["tls", "self-signed"]):
        subprocess.run([STOREFRONT, *command], env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        [STOREFRONT, "serve", "--tls", "--bind", f"127.0.0.1:{port}"], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"https://127.0.0.1:{port}"
    trusting = ssl.create_default_context(cafile=str(tmp_path / "tls" / "cert.pem"))
    assert _wait_until_served(base + "/healthz", trusting, server) == 200
    logins = (tmp_path / "demo-logins.txt").read_text().split()
    yield base, logins[logins.index("demo@example.com") + 1], tmp_path / "storefront.db"
    server.terminate()
    output = server.communicate(timeout=15)[0]
    assert f"Storefront is at {base}/" in output and "Traceback" not in output


def _a_product(database_file):
    """The slug and name of an available demo product with stock to spare."""
    with sqlite3.connect(database_file) as connection:
        return connection.execute(
            "SELECT slug, name FROM product WHERE availability = 'available' AND stock >= 3 "
            "ORDER BY id LIMIT 1").fetchone()


def _cookie_flags(header):
    """The name and the lower-case attributes of one Set-Cookie header."""
    name, _, rest = header.partition("=")
    return name, {part.strip().lower() for part in rest.split(";")[1:]}


def test_a_checkout_over_https_gets_secure_cookies_and_hsts(browser, https_shop):
    base, password, database_file = https_shop
    slug, name = _a_product(database_file)
    context = browser.new_context(base_url=base, ignore_https_errors=True)
    context.set_default_timeout(TIMEOUT_MS)
    responses = []
    context.on("response", lambda response: responses.append(response))
    page = context.new_page()
    heading = page.get_by_role("heading", level=1)
    try:
        page.goto("/account/login")
        page.get_by_label("Email").fill("demo@example.com")
        page.get_by_label("Password").fill(password)
        page.get_by_label("Keep me signed in on this browser").check()
        page.get_by_role("button", name="Sign in").click()
        expect(heading).to_have_text("My Account")

        page.goto(f"/p/{slug}")
        expect(heading).to_have_text(name)
        page.get_by_role("button", name="Add to cart").click()
        expect(heading).to_have_text("Your cart")
        page.get_by_role("link", name="Check out").click()
        expect(heading).to_have_text("Checkout")
        page.get_by_role("button", name="Continue to payment").click()
        page.get_by_role("radio", name="A new card").check()
        page.get_by_label("Card number").fill(APPROVED_CARD)
        page.get_by_label("Expiry date (MM/YY)").fill(f"12/{(date.today().year + 3) % 100:02d}")
        page.get_by_label("Name on card").fill("Dana Demo")
        page.get_by_role("button", name="Review your order").click()
        expect(heading).to_have_text("Review your order")
        page.get_by_label("Security code (CVV)").fill("123")
        page.get_by_role("button", name=re.compile(r"^Place order \(")).click()
        expect(heading).to_have_text("Thank you: your order is placed")
        placed = page.get_by_text(re.compile(r"^Order number "))
        expect(placed).to_be_visible()
        number = placed.inner_text().removeprefix("Order number ")

        page.goto("/co/riverbooks/")  # the co-brand cookie, the last the shop sets
        expect(page.get_by_text("Riverbooks").first).to_be_visible()
        jar = context.cookies()
        received = [(response.url, response.headers_array()) for response in responses
                    if response.url.startswith(base + "/")]
    finally:
        context.close()

    assert len(received) > 10
    set_cookies = {}
    for url, headers in received:
        assert [h["value"] for h in headers if h["name"].lower() == "strict-transport-security"
                ] == [ONE_YEAR], url
        for header in headers:
            if header["name"].lower() == "set-cookie":
                cookie, flags = _cookie_flags(header["value"])
                assert {"secure", "httponly", "samesite=lax"} <= flags, header["value"]
                set_cookies[cookie] = flags
    assert set(set_cookies) == {"sf_visitor", "sf_session", "sf_remember", "sf_last_email",
                                "sf_cobrand"}
    assert {cookie["name"] for cookie in jar} == set(set_cookies)
    assert all(cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Lax"
               for cookie in jar), jar
    with sqlite3.connect(database_file) as connection:
        assert connection.execute("SELECT number FROM customer_order").fetchall() == [(number,)]
