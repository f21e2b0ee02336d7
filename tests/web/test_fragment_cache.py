"""With the fragment cache on, nothing of one visitor reaches another."""
import re

import pytest

from tests.factories import csrf_token, make_customer, make_product, post_form, sign_in


@pytest.fixture
def cached(app):
    app.config["CACHE_SECONDS"] = 60
    yield app
    app.config["CACHE_SECONDS"] = 0


def test_cached_pages_keep_tokens_cart_counts_and_sign_in_per_visitor(cached, db):
    lamp = make_product(name="Brass Lamp")
    make_customer()
    ada, bob = cached.test_client(), cached.test_client()
    sign_in(ada)
    post_form(ada, "/cart/add", {"product_id": lamp.id, "quantity": 2},
              token_page=f"/p/{lamp.slug}")
    pages = {}
    for name, client in (("ada", ada), ("bob", bob)):
        pages[name] = {path: client.get(path).get_data(as_text=True)
                       for path in ("/", "/c/lighting", f"/p/{lamp.slug}", "/search?q=lamp")}
    for path, html in pages["bob"].items():
        assert "Cart (2)" not in html and "My Account" not in html, path
        assert "Cart (2)" in pages["ada"][path] and "My Account" in pages["ada"][path], path
    tokens = [re.search(r'name="csrf_token" value="([^"]+)"', pages[name][f"/p/{lamp.slug}"])
              .group(1) for name in ("ada", "bob")]
    # A token is the session's secret, signed with a timestamp: compare the secret part (two
    # renderings a second apart carry different timestamps).
    secrets = [token.split(".")[0] for token in tokens]
    assert secrets[0] != secrets[1]
    assert csrf_token(bob, f"/p/{lamp.slug}").split(".")[0] == secrets[1]


def test_cached_search_results_carry_no_one_elses_words(cached, db):
    for number in range(30):
        make_product(name=f"Brass Lamp {number}")
    first, second = cached.test_client(), cached.test_client()
    first.get("/search?q=LAMPS+of+the+J.+Brass")
    html = second.get("/search?q=brass+lamp").get_data(as_text=True)
    assert "LAMPS" not in html and "J." not in html
    assert 'href="/search?page=2&amp;q=brass+lamp' in html
