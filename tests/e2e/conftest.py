"""Browser fixtures: the test app served on a free port, Debian's Chromium driven by Playwright.

Every test in tests/e2e carries the `e2e` marker: `pytest -m e2e` runs only these,
`pytest -m "not e2e"` leaves them out.
"""
import threading

import pytest
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

from storefront.catalogue.models import Availability
from storefront.db import database
from tests.factories import make_category, make_product

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
# Long enough for a slow CI machine, short enough that a missing element fails quickly.
TIMEOUT_MS = 10_000
expect.set_options(timeout=TIMEOUT_MS)  # assertions wait as long as actions do


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: end-to-end test in a real browser (Chromium)")


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler without the access log line per request; errors are still logged."""

    def log_request(self, code="-", size="-"):
        pass


@pytest.fixture(scope="session")
def live_server(app):
    """The base URL of the test app served by a threaded werkzeug server on a free port."""
    server = make_server("127.0.0.1", 0, app, threaded=True,
                         request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run (Debian's, never a downloaded one)."""
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                          args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def new_context(browser, live_server):
    """Open browser contexts (fresh cookies each) on the live server; all closed after the test."""
    contexts = []

    def open_context(**options):
        context = browser.new_context(base_url=live_server, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    """A page in a fresh browser context: no cookies, no cache, JavaScript on."""
    return new_context().new_page()


@pytest.fixture
def shop(app):
    """A small catalogue: two categories, products at several prices, every availability."""
    with database.connection_context():
        lighting = make_category(name="Lighting")
        make_product(lighting, name="Brass Desk Lamp", price_cents=4250,
                     description="A brass desk lamp with a linen shade.")
        make_product(lighting, name="Paper Lantern", price_cents=1500)
        make_product(lighting, name="Copper Pendant", price_cents=8900,
                     availability=Availability.ON_RESERVE, stock=0)
        make_product(lighting, name="Glass Sconce", price_cents=3100,
                     availability=Availability.OUT_OF_STOCK, stock=0)
        make_product(lighting, name="Oil Lamp", price_cents=2200,
                     availability=Availability.DISCONTINUED, stock=0)
        rugs = make_category(name="Rugs")
        make_product(rugs, name="Wool Rug", price_cents=12000)
