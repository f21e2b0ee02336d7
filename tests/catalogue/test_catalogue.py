"""Browsing: home, categories with sort and paging, product pages, search."""
import re
from pathlib import Path

from storefront.catalogue.models import Availability

from tests.factories import make_category, make_product


def names_in(html):
    return re.findall(r'class="card-name">([^<]+)<', html)


def test_home_lists_categories_and_newest_orderable_products(client, db):
    lamps = make_category(name="Lighting")
    make_category(name="Garden")
    make_product(lamps, name="Brass Lamp")
    make_product(lamps, name="Old Lamp", availability=Availability.DISCONTINUED)
    html = client.get("/").get_data(as_text=True)
    assert 'href="/c/lighting"' in html and 'href="/c/garden"' in html
    assert names_in(html) == ["Brass Lamp"]


def test_category_page_sorts_by_price_name_and_newest(client, db):
    category = make_category()
    make_product(category, name="Cedar Lamp", price_cents=3000)
    make_product(category, name="Amber Lamp", price_cents=5000)
    make_product(category, name="Brass Lamp", price_cents=1000)
    assert names_in(client.get("/c/lighting?sort=price").get_data(as_text=True)) == \
        ["Brass Lamp", "Cedar Lamp", "Amber Lamp"]
    assert names_in(client.get("/c/lighting?sort=price-desc").get_data(as_text=True)) == \
        ["Amber Lamp", "Cedar Lamp", "Brass Lamp"]
    assert names_in(client.get("/c/lighting?sort=name").get_data(as_text=True)) == \
        ["Amber Lamp", "Brass Lamp", "Cedar Lamp"]
    assert names_in(client.get("/c/lighting").get_data(as_text=True))[0] == "Brass Lamp"


def test_category_pages_through_products(app, client, db):
    category = make_category()
    for number in range(30):
        make_product(category, name=f"Lamp {number:02d}", price_cents=100 + number)
    first = client.get("/c/lighting?sort=price").get_data(as_text=True)
    assert len(names_in(first)) == app.config["CATALOGUE_PAGE_SIZE"] == 24
    assert "Page 1 of 2" in first and "page=2" in first
    second = client.get("/c/lighting?sort=price&page=2").get_data(as_text=True)
    assert names_in(second) == [f"Lamp {n:02d}" for n in range(24, 30)]
    assert "Previous" in second and 'rel="next"' not in second
    assert client.get("/c/lighting?page=3").status_code == 404


def test_product_page_shows_price_availability_and_image(client, db):
    make_product(name="Linen Throw", price_cents=123456, availability=Availability.ON_RESERVE,
                 image="products/x.svg", description="Soft and warm.")
    html = client.get("/p/linen-throw").get_data(as_text=True)
    assert "<h1>Linen Throw</h1>" in html
    assert "$1,234.56" in html
    assert "On reserve" in html and "Soft and warm." in html
    assert 'src="/media/products/x.svg"' in html
    assert "Add to cart" in html


def test_products_that_cannot_be_ordered_have_no_cart_form(client, db):
    make_product(name="Gone Lamp", availability=Availability.DISCONTINUED)
    make_product(name="Sold Lamp", availability=Availability.OUT_OF_STOCK, stock=0)
    for slug, label in (("gone-lamp", "Discontinued"), ("sold-lamp", "Out of stock")):
        html = client.get(f"/p/{slug}").get_data(as_text=True)
        assert label in html and "Add to cart" not in html


def test_hidden_and_unknown_products_are_not_found(client, db):
    make_product(name="Secret Lamp", is_hidden=True)
    assert client.get("/p/secret-lamp").status_code == 404
    assert client.get("/p/nothing-here").status_code == 404
    assert client.get("/c/nothing-here").status_code == 404


def test_search_needs_every_word_and_folds_plurals_and_case(client, db):
    make_product(name="Oak Dining Table")
    make_product(name="Oak Desk")
    make_product(name="Glass Table")
    assert sorted(names_in(client.get("/search?q=oak").get_data(as_text=True))) == \
        ["Oak Desk", "Oak Dining Table"]
    assert names_in(client.get("/search?q=TABLES+oak").get_data(as_text=True)) == \
        ["Oak Dining Table"]
    html = client.get("/search?q=marble").get_data(as_text=True)
    assert names_in(html) == [] and "Nothing matches" in html


def test_search_pages_without_counting(client, db):
    for number in range(26):
        make_product(name=f"Oak Stool {number:02d}", price_cents=number + 1)
    first = client.get("/search?q=stool&sort=price").get_data(as_text=True)
    assert len(names_in(first)) == 24 and 'rel="next"' in first and " of " not in first
    second = client.get("/search?q=stool&sort=price&page=2").get_data(as_text=True)
    assert names_in(second) == ["Oak Stool 24", "Oak Stool 25"]


def test_product_images_are_served_from_instance_media_only(app, client):
    media = Path(app.config["INSTANCE_PATH"]) / "media" / "products"
    media.mkdir(parents=True, exist_ok=True)
    (media / "pic.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    with client.get("/media/products/pic.svg") as response:
        assert response.status_code == 200 and b"<svg" in response.data
        assert "sandbox" in response.headers["Content-Security-Policy"]
    assert client.get("/media/../secret_key").status_code == 404
    assert client.get("/media/%2e%2e/secret_key").status_code == 404
