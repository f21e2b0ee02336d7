"""Back office → Catalogue → Categories (admin): created, changed and hidden with their rules,
and a slug, typed or made from the name, always fits its column."""
import re

from storefront.catalogue.models import Category, Product
from storefront.catalogue.product_rules import SLUG
from tests.backoffice.test_catalogue_admin import BASE, new_product, signed_in
from tests.factories import make_category, make_product, post_form

CATEGORY_SLUG = Category.slug.max_length
PRODUCT_SLUG = Product.slug.max_length


def error_of(html, field_id):
    match = re.search(rf'<p class="error" id="{field_id}-error">([^<]*)</p>', html)
    return match and match.group(1)


def test_categories_are_created_and_changed_with_their_rules(app, db):
    client = signed_in(app)
    response = post_form(client, f"{BASE}/categories/new", {
        "name": "Garden Tools", "slug": "", "description": "Spades.", "position": "3"})
    assert response.status_code == 302
    garden = Category.get(Category.name == "Garden Tools")
    assert (garden.slug, garden.position) == ("garden-tools", 3)
    response = post_form(client, f"{BASE}/categories/new", {
        "name": "", "slug": "garden-tools", "position": "first"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Enter the category&#39;s name." in html
    assert "Another one has this address" in html and "Enter a whole number" in html
    response = post_form(client, f"{BASE}/categories/{garden.id}", {
        "name": "Garden", "slug": "garden", "description": "", "position": "1"})
    assert response.status_code == 302
    assert Category.get_by_id(garden.id).slug == "garden"
    assert client.get("/c/garden").status_code == 200
    assert "Garden" in client.get(f"{BASE}/categories").get_data(as_text=True)


def test_a_typed_slug_longer_than_its_column_is_refused_next_to_it(app, db):
    client = signed_in(app)
    response = post_form(client, f"{BASE}/categories/new", {
        "name": "C1", "slug": "b" * (CATEGORY_SLUG + 1), "position": "1"})
    assert response.status_code == 400
    assert error_of(response.get_data(as_text=True), "slug")
    assert Category.select().count() == 0
    response = post_form(client, f"{BASE}/categories/new", {
        "name": "C1", "slug": "b" * CATEGORY_SLUG, "position": "1"})
    assert response.status_code == 302 and Category.get().slug == "b" * CATEGORY_SLUG

    lighting = Category.get()
    response = post_form(client, f"{BASE}/products/new",
                         new_product(lighting, slug="p" * (PRODUCT_SLUG + 1)))
    assert response.status_code == 400 and error_of(response.get_data(as_text=True), "slug")
    response = post_form(client, f"{BASE}/products/new",
                         new_product(lighting, slug="p" * PRODUCT_SLUG))
    assert response.status_code == 302 and Product.get().slug == "p" * PRODUCT_SLUG


def test_a_slug_made_from_a_long_name_fits_its_column_and_stays_unique(app, db):
    client = signed_in(app)
    for _ in range(3):
        response = post_form(client, f"{BASE}/categories/new", {
            "name": "d" * Category.name.max_length, "slug": "", "position": "1"})
        assert response.status_code == 302
    # A cut that would end on a hyphen drops it: the slug stays well-formed. (A ligature
    # spells a slug longer than its name: "ﬃ" is "ffi".)
    response = post_form(client, f"{BASE}/categories/new", {
        "name": "\ufb03" * 33 + " x", "slug": "", "position": "1"})
    assert response.status_code == 302
    slugs = [category.slug for category in Category.select().order_by(Category.id)]
    assert slugs == ["d" * CATEGORY_SLUG, "d" * (CATEGORY_SLUG - 2) + "-2",
                     "d" * (CATEGORY_SLUG - 2) + "-3", "ffi" * 33]
    assert all(len(slug) <= CATEGORY_SLUG and SLUG.fullmatch(slug) for slug in slugs)

    lighting = make_category(name="Lighting")
    for number in range(2):
        response = post_form(client, f"{BASE}/products/new", new_product(
            lighting, name="l" * Product.name.max_length, sku=f"LONG-{number}"))
        assert response.status_code == 302
    slugs = [product.slug for product in Product.select().order_by(Product.id)]
    assert len(set(slugs)) == 2 and all(len(slug) <= PRODUCT_SLUG for slug in slugs)


def test_hiding_a_category_takes_it_out_of_the_menu_and_back(app, db):
    client = signed_in(app)
    lamp = make_product(name="Brass Lamp")
    lighting = Category.get_by_id(lamp.category_id)
    make_product(name="Oak Chair", category=make_category(name="Chairs"), sku="CH-1")
    shopper = app.test_client()
    page = f"{BASE}/categories/{lighting.id}"
    fields = {"name": lighting.name, "slug": lighting.slug, "description": "",
              "position": "0"}
    assert post_form(client, page, {**fields, "is_hidden": "y"}).status_code == 302
    home = shopper.get("/").get_data(as_text=True)
    assert 'href="/c/lighting"' not in home and 'href="/c/chairs"' in home
    assert shopper.get("/c/lighting").status_code == 404
    assert shopper.get(f"/p/{lamp.slug}").status_code == 200  # its products keep their own
    assert "(hidden)" in client.get(f"{BASE}/categories").get_data(as_text=True)
    assert post_form(client, page, fields).status_code == 302
    assert 'href="/c/lighting"' in shopper.get("/").get_data(as_text=True)
    assert shopper.get("/c/lighting").status_code == 200
