"""The request log (P8): one row per request, errors included, and the care page that
finds a visitor's or an IP address's recent requests."""
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine

from storefront import create_app
from storefront.db import utcnow
from storefront.tracking import clicklog
from storefront.tracking.models import RequestLog

from tests.factories import make_product, make_staff, post_form, staff_sign_in


def visitor_id(client):
    """The visitor id inside the browser's signed sf_visitor cookie."""
    return client.get_cookie("sf_visitor").value.rsplit(".", 1)[0]


def browser_at(app, ip):
    """A test browser whose requests come from `ip`."""
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = ip
    return browser


def logged():
    return list(RequestLog.select().order_by(RequestLog.id))


@pytest.fixture
def broken_app(database_url):
    """A fresh app with a route that fails, on the tests' database (the session app keeps
    its own routes)."""
    application = create_app({"DATABASE_URL": database_url, "TESTING": True,
                              "CACHE_SECONDS": 0})

    @application.get("/explode")
    def explode():
        raise RuntimeError("secret internals")

    return application


def test_every_request_is_logged_without_its_query_string(client, db):
    lamp = make_product(name="Brass Lamp")
    client.get("/?token=secret-value")
    client.get(f"/p/{lamp.slug}")
    client.get("/p/no-such-product")
    post_form(client, "/account/login", {"email": "x@example.com", "password": "wrong"})
    rows = logged()
    assert [(r.method, r.path, r.status) for r in rows] == [
        ("GET", "/", 200), ("GET", f"/p/{lamp.slug}", 200), ("GET", "/p/no-such-product", 404),
        ("GET", "/account/login", 200), ("POST", "/account/login", 400)]
    assert {r.ip for r in rows} == {"127.0.0.1"}
    assert all(0 <= r.duration_ms < 10_000 for r in rows)
    assert all(abs(r.at - utcnow()) < timedelta(minutes=1) for r in rows)
    assert {r.visitor for r in rows} == {visitor_id(client)}
    assert not any("secret" in r.path for r in rows)


def test_static_files_and_images_are_not_logged_but_staff_pages_are(client, db):
    client.get("/static/img/placeholder.svg").close()
    client.get("/media/none.png").close()
    client.get("/cobrand/default/static/none.css").close()
    client.get("/staff/login")
    client.get("/staff/")
    assert [(r.path, r.status) for r in logged()] == [("/staff/login", 200), ("/staff/", 302)]


def test_a_view_that_raises_is_logged_as_a_500(broken_app, db):
    browser = broken_app.test_client()
    assert browser.get("/explode").status_code == 500
    row = RequestLog.get()
    assert (row.path, row.status, row.visitor) == ("/explode", 500, visitor_id(browser))


def test_a_failure_after_the_page_was_made_is_still_logged_as_a_500(broken_app, db):
    @broken_app.after_request  # runs first of the after_request hooks, then fails
    def fail(response):
        raise RuntimeError("a hook failed")

    with pytest.raises(RuntimeError):  # the test client sees the exception itself
        broken_app.test_client().get("/")
    assert [(r.path, r.status) for r in logged()] == [("/", 500)]


def test_the_ip_is_the_one_the_trusted_proxy_saw(database_url, db):
    behind_proxy = create_app({"DATABASE_URL": database_url, "TESTING": True,
                               "PROXY_COUNT": 1})
    forwarded = {"X-Forwarded-For": "198.51.100.1, 203.0.113.9"}
    behind_proxy.test_client().get("/", headers=forwarded)
    assert RequestLog.get().ip == "203.0.113.9"  # the one proxy's view, not what came before


def test_without_a_proxy_forwarded_headers_are_ignored(client, db):
    client.get("/", headers={"X-Forwarded-For": "203.0.113.9"})
    assert RequestLog.get().ip == "127.0.0.1"


def test_odd_paths_and_methods_are_stored_safely(client, db):
    client.get("/a%00b")  # refused with a 400; PostgreSQL takes no NUL in text
    client.get("/x" * 400)
    client.open("/", method="VERSION-CONTROL")  # WebDAV: longer than the column
    rows = logged()
    assert [r.status for r in rows] == [400, 404, 405]
    assert rows[0].path == "/a\ufffdb"
    assert len(rows[1].path) == 300 and rows[1].path.startswith("/x/x")
    assert rows[2].method == "VERSION-"


def test_buffered_rows_are_written_when_full_or_flushed(app, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "TRACKING_BUFFER_ROWS", 3)
    monkeypatch.setitem(app.config, "TRACKING_FLUSH_SECONDS", 0)
    try:
        client.get("/staff/login")
        client.get("/staff/login")
        assert RequestLog.select().count() == 0
        client.get("/nowhere")
        assert [r.status for r in logged()] == [200, 200, 404]
        client.get("/staff/login")
        assert clicklog.flush_all() == 1 and RequestLog.select().count() == 4
    finally:
        clicklog.request_log.clear()
        clicklog.clicks.clear()


def test_gunicorn_writes_the_buffered_rows_when_it_stops(tmp_path):
    env = {**os.environ, "STOREFRONT_INSTANCE": str(tmp_path), "WEB_CONCURRENCY": "1"}
    env.pop("DATABASE_URL", None)
    storefront = str(Path(sys.executable).with_name("storefront"))
    subprocess.run([storefront, "migrate"], env=env, check=True, capture_output=True)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([storefront, "serve", "--bind", f"127.0.0.1:{port}"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/staff/login", timeout=10).read()
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):  # a worker booting
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.2)
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/no-such-page", timeout=10)
    finally:
        server.terminate()
        server.wait(timeout=15)
    with sqlite3.connect(tmp_path / "storefront.db") as connection:
        rows = connection.execute("SELECT ip, path, status FROM request_log").fetchall()
    assert ("127.0.0.1", "/no-such-page", 404) in rows
    assert ("127.0.0.1", "/staff/login", 200) in rows


# --- The care page ----------------------------------------------------------------------

def visits_with_errors(app, ip):
    """A browser from `ip` that gets a page, a 404 and a 500; its visitor id."""
    browser = browser_at(app, ip)
    browser.get("/")
    browser.get(f"/no-such-page-{ip}")
    assert browser.get("/explode").status_code == 500
    return visitor_id(browser)


def care_client(app, role="care"):
    make_staff(role)
    client = app.test_client()
    staff_sign_in(client, f"{role}@staff.example.com")
    return client


def shown_paths(html):
    return [line.strip()[4:-5] for line in html.splitlines()
            if line.strip().startswith("<td>/")]


@pytest.mark.parametrize("role", ["care", "admin"])
def test_care_finds_a_visitors_errors_by_visitor_id_and_by_ip(broken_app, db, role):
    ada = visits_with_errors(broken_app, "203.0.113.7")
    other = visits_with_errors(broken_app, "198.51.100.2")
    care = care_client(broken_app, role)
    for query in ({"visitor": ada}, {"ip": "203.0.113.7"}):
        response = care.get("/care/requests/", query_string=query)
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert shown_paths(html) == ["/explode", "/no-such-page-203.0.113.7", "/"]
        assert "<td>500</td>" in html and "<td>404</td>" in html
        assert "198.51.100.2" not in html and other not in html
    errors = care.get("/care/requests/", query_string={"ip": "203.0.113.7",
                                                        "errors_only": "y"})
    assert shown_paths(errors.get_data(as_text=True)) == ["/explode",
                                                         "/no-such-page-203.0.113.7"]


def test_care_searches_the_last_seven_days_unless_asked(broken_app, db):
    ip = "203.0.113.7"
    with time_machine.travel(utcnow() - timedelta(days=8), tick=False):
        browser_at(broken_app, ip).get("/old-error")
    care = care_client(broken_app)
    assert "/old-error" not in care.get(f"/care/requests/?ip={ip}").get_data(as_text=True)
    assert "/old-error" in care.get(f"/care/requests/?ip={ip}&days=9").get_data(as_text=True)


def test_an_ipv6_address_is_found_however_it_is_written(broken_app, db):
    browser_at(broken_app, "2001:db8::1").get("/v6-error")
    care = care_client(broken_app)
    html = care.get("/care/requests/?ip=2001:0DB8:0:0:0:0:0:1").get_data(as_text=True)
    assert "/v6-error" in html


@pytest.mark.parametrize("query, message", [
    ("ip=1.2.3.999", "This is not an IPv4 or IPv6 address."),
    ("ip=" + "9" * 50, "Field cannot be longer than 45 characters."),
    ("visitor=<script>", "A visitor id has letters, digits, - and _ only."),
    ("ip=1.2.3.4&days=abc", "Not a valid integer value."),
    ("ip=1.2.3.4&days=99999999999999999999", "Between 1 and 365 days."),
    ("days=3", "Enter an IP address, a visitor id, or both."),
])
def test_bad_searches_get_a_message_not_an_error_page(client, db, query, message):
    make_staff("care")
    staff_sign_in(client, "care@staff.example.com")
    response = client.get(f"/care/requests/?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html and "<h2>" not in html  # the form again, no results


def test_the_form_alone_shows_no_requests(client, db):
    make_staff("care")
    staff_sign_in(client, "care@staff.example.com")
    html = client.get("/care/requests/").get_data(as_text=True)
    assert 'name="ip"' in html and 'name="visitor"' in html and "<table>" not in html


def test_only_care_and_admin_see_the_request_log(client, db):
    client.get("/")
    response = client.get("/care/requests/?ip=127.0.0.1")
    assert response.status_code == 302 and "/staff/login" in response.location
    make_staff("fulfilment")
    staff_sign_in(client, "fulfilment@staff.example.com")
    assert client.get("/care/requests/?ip=127.0.0.1").status_code == 403
    assert "Request log" not in client.get("/staff/").get_data(as_text=True)


def test_the_staff_home_links_to_the_request_log(client, db):
    make_staff("care")
    staff_sign_in(client, "care@staff.example.com")
    assert "/care/requests/" in client.get("/staff/").get_data(as_text=True)


def test_a_links_secret_is_never_logged(app, db):
    """An unsubscribe or undo link's token is a key to someone's choices: the request log and
    the page-view log keep its route, not the token."""
    from storefront.privacy import mailing
    from storefront.tracking.models import PageView
    with app.test_request_context():
        token = mailing.make_token(["shop_marketing"], None, "ada@example.com")
    client = app.test_client()
    client.get(f"/unsubscribe/{token}")
    client.post(f"/unsubscribe/{token}")
    client.get(f"/privacy/resume/{token}")
    clicklog.flush_all()
    logged = [row.path for row in RequestLog.select()] + [row.path for row in PageView.select()]
    assert logged and not any(token in path for path in logged)
    assert "/unsubscribe/<token>" in logged
