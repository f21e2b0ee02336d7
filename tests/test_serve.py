"""`storefront serve` as `make run` starts it: gunicorn, several worker processes, one SQLite
file. Writers in different processes wait for each other instead of failing."""
import http.cookiejar
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

STOREFRONT = str(Path(sys.executable).with_name("storefront"))


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Keep the 302 itself: it is what the test checks."""

    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def served(tmp_path):
    env = {**os.environ, "STOREFRONT_INSTANCE": str(tmp_path), "WEB_CONCURRENCY": "3"}
    env.pop("DATABASE_URL", None)
    env.pop("SECRET_KEY", None)
    for command in (["migrate"], ["seed"]):
        subprocess.run([STOREFRONT, *command], env=env, check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen([STOREFRONT, "serve", "--bind", f"127.0.0.1:{port}"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/", timeout=10).read()
            break
        except (urllib.error.URLError, ConnectionError, TimeoutError):  # a slow first page
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("the server did not start:\n" + server.stdout.read())
            time.sleep(0.2)
    yield base, server, tmp_path
    server.terminate()
    server.wait(timeout=15)


def test_serve_prints_the_url_and_logins_and_survives_concurrent_writers(served):
    base, server, instance = served
    with sqlite3.connect(instance / "storefront.db") as connection:
        slug = connection.execute("SELECT slug FROM product WHERE availability = 'available' "
                                  "AND stock >= 8 ORDER BY id LIMIT 1").fetchone()[0]

    def shopper(_):
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
        page = opener.open(f"{base}/p/{slug}").read().decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
        product_id = re.search(r'name="product_id" value="(\d+)"', page)[1]
        codes = []
        for _ in range(8):
            body = urllib.parse.urlencode({"csrf_token": token, "product_id": product_id,
                                           "quantity": 1}).encode()
            try:
                codes.append(opener.open(f"{base}/cart/add", data=body).status)
            except urllib.error.HTTPError as error:
                codes.append(error.code)
        return codes

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = [code for batch in pool.map(shopper, range(8)) for code in batch]
    assert set(codes) == {302}, codes  # 302: added, then sent to the cart
    server.terminate()
    output = server.communicate(timeout=15)[0]
    assert f"Storefront is at {base}/" in output
    assert "demo@example.com" in output and "admin@staff.example.com" in output
    assert "database is locked" not in output and "Traceback" not in output
    with sqlite3.connect(instance / "storefront.db") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("SELECT SUM(quantity) FROM cart_line").fetchone()[0] == 64
