"""The catalogue's back office: products and categories created and changed by admin staff,
stock by fulfilment staff, pictures checked by content, and every change in the history.
Availability driving open orders: test_availability.py."""
import json
import os
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from storefront.catalogue import editing
from storefront.catalogue.models import (Availability, Category, Product, ProductChange,
                                         ProductImage, ProductWord)
from storefront.db import utcnow
from tests.backoffice.test_images import picture, png_claiming
from tests.factories import (csrf_token, make_category, make_product, make_staff, post_form,
                             staff_sign_in)

BASE = "/staff/catalogue"


def signed_in(app, role="admin"):
    client = app.test_client()
    make_staff(role)
    staff_sign_in(client, f"{role}@staff.example.com")
    return client


def media(app):
    return Path(app.config["INSTANCE_PATH"]) / "media"


def media_files(app):
    folder = media(app) / "products"
    return set(folder.iterdir()) if folder.exists() else set()


def new_product(in_category, **overrides):
    """The new-product form as a person fills it in."""
    form = {"name": "Brass Desk Lamp", "slug": "", "price": "42.50", "sku": "LAMP-1",
            "weight_grams": "1200", "category": str(in_category.id), "stock": "7",
            "availability": "available", "expected_on": "",
            "description": "A *brass* lamp.\n\n<script>alert(1)</script>"}
    form.update(overrides)
    return form


def history(product):
    return [json.loads(row.changes) for row in
            ProductChange.select().where(ProductChange.product == product)
            .order_by(ProductChange.id)]


def test_an_admin_creates_a_product_with_pictures_and_the_shop_shows_it(app, db):
    client = signed_in(app)
    lighting = make_category(name="Lighting")
    before = media_files(app)
    response = post_form(client, f"{BASE}/products/new", {
        **new_product(lighting),
        "images": [(BytesIO(picture("JPEG", size=(800, 600))), "front.jpg"),
                   (BytesIO(picture("PNG", size=(300, 300))), "side.png")]})
    assert response.status_code == 302, response.get_data(as_text=True)
    product = Product.get(Product.sku == "LAMP-1")
    assert (product.name, product.slug, product.price_cents, product.stock,
            product.weight_grams) == ("Brass Desk Lamp", "brass-desk-lamp", 4250, 7, 1200)
    pictures = list(product.images.order_by(ProductImage.position))
    assert [(p.width, p.height, p.position) for p in pictures] == [(800, 600, 0), (300, 300, 1)]
    assert product.image == pictures[0].thumbnail  # what listings show, with no extra query
    assert len(media_files(app) - before) == 4  # two pictures, two thumbnails
    # Indexed for search, counted in its category, and recorded with who did it.
    assert {"brass", "desk", "lamp"} <= {w.word for w in product.words}
    assert Category.get_by_id(lighting.id).product_count == 1
    (created,) = history(product)
    assert created["name"] == [None, "Brass Desk Lamp"] and created["price_cents"] == [None, 4250]
    assert created["category"] == [None, "Lighting"] and len(created["images"][1]) == 2
    assert ProductChange.get().staff_id is not None
    # The shop: the page with its gallery and safely rendered Markdown; listings' thumbnail.
    page = client.get("/p/brass-desk-lamp").get_data(as_text=True)
    assert f"/media/{pictures[0].filename}" in page and f"/media/{pictures[1].thumbnail}" in page
    assert "<em>brass</em>" in page and "<script>alert(1)</script>" not in page
    listing = client.get("/c/lighting").get_data(as_text=True)
    assert f"/media/{pictures[0].thumbnail}" in listing
    assert f"/media/{pictures[0].thumbnail}" in client.get("/search?q=brass").get_data(
        as_text=True)
    with client.get(f"/media/{pictures[0].filename}") as image:
        assert image.status_code == 200 and image.mimetype == "image/jpeg"


def test_an_invalid_product_shows_each_problem_by_its_field_and_keeps_what_was_typed(app, db):
    client = signed_in(app)
    lighting = make_category()
    make_product(lighting, name="Paper Lantern", sku="TAKEN-1")
    before = media_files(app)
    response = post_form(client, f"{BASE}/products/new", {**new_product(
        lighting, name="", price="twelve", sku="TAKEN-1", slug="paper-lantern",
        weight_grams="-3", stock="many", availability="on_reserve", expected_on="soon",
        category="999999", description="Kept *as typed*"),
        "images": [(BytesIO(picture()), "fine.png")]})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    for message in ("Enter the product&#39;s name.", "Enter a price from 0.01",
                    "Another product has this SKU.", "Another one has this address",
                    "Enter the weight in grams", "Enter the number in stock",
                    "Enter the date an item on reserve is expected.", "Choose a category."):
        assert message in html, message
    assert html.count('class="error"') >= 8
    assert "Kept *as typed*" in html and 'value="twelve"' in html and 'value="TAKEN-1"' in html
    assert "The pictures you chose were not kept: choose them again." in html
    assert Product.select().count() == 1 and ProductChange.select().count() == 0
    assert ProductImage.select().count() == 0 and media_files(app) == before


def test_slugs_are_made_unique_and_can_be_edited(app, db):
    category = make_category()
    first = editing.save_product(None, {"name": "Oak Shelf", "price_cents": 1000,
                                        "sku": "OAK-1", "category_id": category.id}, None)
    second = editing.save_product(None, {"name": "Oak shelf!", "price_cents": 1000,
                                         "sku": "OAK-2", "category_id": category.id}, None)
    assert (first.product.slug, second.product.slug) == ("oak-shelf", "oak-shelf-2")
    with pytest.raises(editing.CatalogueError) as refused:
        editing.save_product(second.product, {"slug": "oak-shelf"}, None)
    assert "address" in refused.value.errors["slug"]
    with pytest.raises(editing.CatalogueError) as refused:
        editing.save_product(second.product, {"slug": "Not A Slug!"}, None)
    assert "lower-case letters" in refused.value.errors["slug"]
    renamed = editing.save_product(second.product, {"slug": "oak-shelf-wide"}, None)
    assert renamed.changes == {"slug": ["oak-shelf-2", "oak-shelf-wide"]}
    with pytest.raises(editing.CatalogueError) as refused:
        editing.save_product(first.product, {"sku": "OAK-2"}, None)
    assert refused.value.errors == {"sku": "Another product has this SKU."}


def test_the_service_takes_plain_values_and_changes_only_the_fields_given(app, db):
    category, other = make_category(name="Lighting"), make_category(name="Rugs")
    saved = editing.save_product(None, {"name": "Wool Rug", "price_cents": 12000,
                                        "sku": "RUG-1", "category_id": category.id}, 7)
    assert saved.created and saved.product.availability == Availability.AVAILABLE
    changed = editing.save_product(saved.product, {"price_cents": 9900,
                                                   "category_id": other.id}, 7)
    assert changed.changes == {"price_cents": [12000, 9900], "category": ["Lighting", "Rugs"]}
    assert [Category.get_by_id(c.id).product_count for c in (category, other)] == [0, 1]
    assert editing.save_product(changed.product, {"price_cents": 9900}, 7).changes == {}
    assert ProductChange.select().count() == 2  # nothing changed: nothing recorded
    clean, errors = editing.product_errors({"stock": 5}, saved.product)  # a preview
    assert errors == {} and clean == {"stock": 5}
    with pytest.raises(ValueError):
        editing.product_errors({"colour": "red"}, saved.product)


def test_editing_details_records_history_and_keeps_the_search_index_right(app, db):
    client = signed_in(app)
    lamp = make_product(name="Brass Lamp", price_cents=2500, sku="LMP-1")
    response = post_form(client, f"{BASE}/products/{lamp.id}", {
        "name": "Copper Lamp", "slug": lamp.slug, "description": "Warm light.",
        "price": "$1,030.5", "sku": lamp.sku, "weight_grams": "900",
        "category": str(lamp.category_id)})
    assert response.status_code == 302
    lamp = Product.get_by_id(lamp.id)
    assert (lamp.name, lamp.price_cents, lamp.weight_grams) == ("Copper Lamp", 103050, 900)
    words = {row.word for row in ProductWord.select().where(ProductWord.product == lamp)}
    assert "copper" in words and "warm" in words and "brass" not in words
    assert "Copper Lamp" in client.get("/search?q=copper").get_data(as_text=True)
    (change,) = history(lamp)
    assert change["name"] == ["Brass Lamp", "Copper Lamp"]
    assert change["price_cents"] == [2500, 103050]
    page = client.get(f"{BASE}/products/{lamp.id}/history").get_data(as_text=True)
    assert "Staff admin" in page and "Brass Lamp" in page and "$1,030.50" in page


def test_hiding_takes_a_product_out_of_the_shop_and_back(app, db):
    client = signed_in(app)
    lamp = make_product(name="Brass Lamp")
    page = f"{BASE}/products/{lamp.id}"
    post_form(client, f"{page}/hide", {}, token_page=page)
    assert client.get(f"/p/{lamp.slug}").status_code == 404
    assert Category.get_by_id(lamp.category_id).product_count == 0
    assert "(hidden)" in client.get(f"{BASE}/").get_data(as_text=True)
    post_form(client, f"{page}/show", {}, token_page=page)
    assert client.get(f"/p/{lamp.slug}").status_code == 200
    assert Category.get_by_id(lamp.category_id).product_count == 1
    assert [c["is_hidden"] for c in history(lamp)] == [[False, True], [True, False]]


@pytest.mark.parametrize("data, message", [
    (b"this is a text file, renamed\n" * 20, "not a picture we can read"),
    (picture("PNG", size=(300, 200))[:-30], "not a picture we can read"),
    (png_claiming(50_000, 50_000), "far too large in pixels"),
])
def test_a_bad_file_gets_its_message_by_the_field_and_changes_nothing(app, db, data, message):
    client = signed_in(app)
    category = make_category()
    before = media_files(app)
    response = post_form(client, f"{BASE}/products/new", {
        **new_product(category), "images": [(BytesIO(picture()), "good.png"),
                                            (BytesIO(data), "photo.png")]})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Picture 2: " in html and message in html
    assert 'id="images-error"' in html and 'value="Brass Desk Lamp"' in html
    assert Product.select().count() == 0 and ProductImage.select().count() == 0
    assert media_files(app) == before
    lamp = make_product()
    response = post_form(client, f"{BASE}/products/{lamp.id}/images",
                         {"images": [(BytesIO(data), "photo.png")]},
                         token_page=f"{BASE}/products/{lamp.id}")
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert ProductImage.select().count() == 0 and media_files(app) == before
    assert ProductChange.select().count() == 0


def test_pictures_are_added_and_removed_and_the_next_becomes_the_main_one(app, db):
    client = signed_in(app)
    lamp = make_product()
    page = f"{BASE}/products/{lamp.id}"
    for size in ((100, 100), (200, 100)):
        response = post_form(client, f"{page}/images",
                             {"images": [(BytesIO(picture(size=size)), "p.png")]},
                             token_page=page)
        assert response.status_code == 302
    first, second = ProductImage.select().order_by(ProductImage.position)
    assert Product.get_by_id(lamp.id).image == first.thumbnail
    post_form(client, f"{page}/images/remove", {"image": first.id}, token_page=page)
    assert Product.get_by_id(lamp.id).image == second.thumbnail
    assert not (media(app) / first.filename).exists()
    assert not (media(app) / first.thumbnail).exists()
    post_form(client, f"{page}/images/remove", {"image": second.id}, token_page=page)
    assert Product.get_by_id(lamp.id).image is None and ProductImage.select().count() == 0
    assert [len(c["images"][1]) for c in history(lamp)] == [1, 2, 1, 0]
    other = make_product()
    mine = post_form(client, f"{page}/images", {"images": [(BytesIO(picture()), "p.png")]},
                     token_page=page)
    assert mine.status_code == 302
    response = post_form(client, f"{BASE}/products/{other.id}/images/remove",
                         {"image": ProductImage.get().id}, token_page=page)
    assert "not one of this product" in client.get(response.location).get_data(as_text=True)
    assert ProductImage.select().count() == 1  # another product's picture stays


def test_fulfilment_sets_stock_and_availability_and_nothing_else(app, db):
    client = signed_in(app, "fulfilment")
    lamp = make_product(name="Brass Lamp", stock=3)
    page = f"{BASE}/products/{lamp.id}"
    html = client.get(page).get_data(as_text=True)
    assert "Save stock and availability" in html and "Save the details" not in html
    expected = utcnow().date() + timedelta(days=90)
    response = post_form(client, f"{page}/stock", {
        "stock": "0", "availability": "on_reserve", "expected_on": expected.isoformat()},
        token_page=page)
    assert response.status_code == 302
    lamp = Product.get_by_id(lamp.id)
    assert (lamp.stock, lamp.availability, lamp.expected_on) == (0, "on_reserve", expected)
    assert f"(expected {expected:%B} {expected.day}, {expected.year})" in client.get(
        f"/p/{lamp.slug}").get_data(as_text=True)
    assert history(lamp) == [{"stock": [3, 0], "availability": ["available", "on_reserve"],
                              "expected_on": [None, expected.isoformat()]}]
    response = post_form(client, f"{page}/stock", {"stock": "x", "availability": "on_reserve",
                                                   "expected_on": ""}, token_page=page)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Enter the number in stock" in html
    assert "Enter the date an item on reserve is expected." in html
    # Everything else is refused by role, whatever is posted.
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        for path in (page, f"{page}/hide", f"{page}/show", f"{page}/images",
                     f"{page}/images/remove", f"{BASE}/products/new", f"{BASE}/categories/new",
                     f"{BASE}/categories/{lamp.category_id}"):
            assert client.post(path, data={"name": "Hacked", "image": 1}).status_code == 403
        for path in (f"{BASE}/products/new", f"{BASE}/categories"):
            assert client.get(path).status_code == 403
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert Product.get_by_id(lamp.id).name == "Brass Lamp" and len(history(lamp)) == 1


@pytest.mark.parametrize("role", ["care", "marketing", "legal"])
def test_other_roles_are_refused_every_catalogue_page(app, db, role):
    client = signed_in(app, role)
    lamp = make_product()
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        for rule in app.url_map.iter_rules():
            if rule.endpoint.startswith("backoffice_catalogue."):
                url = rule.build({"product_id": lamp.id, "category_id": lamp.category_id})[1]
                for method in rule.methods - {"HEAD", "OPTIONS"}:
                    assert client.open(url, method=method).status_code == 403, (url, method)
    finally:
        app.config["WTF_CSRF_ENABLED"] = True


def test_the_product_list_searches_filters_and_pages(app, db):
    client = signed_in(app)
    lighting, rugs = make_category(name="Lighting"), make_category(name="Rugs")
    make_product(lighting, name="Brass Lamp", sku="BR-1")
    make_product(lighting, name="Paper Lantern", availability=Availability.OUT_OF_STOCK)
    make_product(rugs, name="Wool Rug", sku="WOOL-9")
    html = client.get(f"{BASE}/?q=wool-9").get_data(as_text=True)
    assert "Wool Rug" in html and "Brass Lamp" not in html
    html = client.get(f"{BASE}/?category={lighting.id}&availability=out_of_stock") \
        .get_data(as_text=True)
    assert "Paper Lantern" in html and "Brass Lamp" not in html and "Wool Rug" not in html
    for garbage in ("?page=0", "?page=x", "?availability=sold", "?category=-1", "?q=" + "x" * 101):
        assert client.get(f"{BASE}/{garbage}").status_code == 400, garbage
    assert client.get(f"{BASE}/products/99999999999").status_code == 404
    assert client.get(f"{BASE}/products/424242").status_code == 404
    page = editing.find_products("", 0, "", 1, 2)
    assert len(page.items) == 2 and page.has_next


def noise_png(side):
    """A PNG of random pixels: it does not compress, so side×side×3 bytes and more."""
    out = BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, "PNG")
    return out.getvalue()


def post_in_memory(client, path, fields):
    """POST a multipart form encoded in memory: the test client would spool a large body to
    a temporary file it never closes."""
    boundary, data = encode_multipart(fields)
    return client.post(path, data=data,
                       content_type=f"multipart/form-data; boundary={boundary}")


def test_pictures_over_the_size_limits_are_refused_with_the_reason(app, db):
    client = signed_in(app)
    lamp = make_product()
    page = f"{BASE}/products/{lamp.id}"
    big = noise_png(1000)  # about 3 MB: over the app's request limit
    response = post_in_memory(client, f"{page}/images", {
        "images": FileStorage(BytesIO(big), "big.png"), "csrf_token": csrf_token(client, page)})
    html = response.get_data(as_text=True)
    assert response.status_code == 413 and 'id="images-error"' in html
    assert "larger than 2 MB altogether, so nothing was read" in html
    response = post_in_memory(client, f"{BASE}/products/new", {
        **new_product(lamp.category), "images": FileStorage(BytesIO(big), "big.png"),
        "csrf_token": csrf_token(client, f"{BASE}/products/new")})
    assert response.status_code == 413 and "nothing was read" in response.get_data(as_text=True)
    with pytest.raises(editing.CatalogueError) as refused:  # one picture over its own limit
        editing.save_product(lamp, {}, None, [noise_png(820)], media(app))
    assert "a picture may be at most 1.9 MB" in refused.value.errors["images"]
    assert ProductImage.select().count() == 0 and Product.select().count() == 1
    # Anyone but admin staff gets the plain error page.
    other = signed_in(app, "fulfilment")
    response = post_in_memory(other, f"{page}/images",
                              {"images": FileStorage(BytesIO(big), "big.png")})
    assert response.status_code == 413 and "images-error" not in response.get_data(as_text=True)


def test_pictures_over_the_request_limit_for_a_missing_product_are_a_413(app, db):
    client = signed_in(app)
    before = media_files(app)
    token = csrf_token(client, f"{BASE}/products/new")
    for product_id in (999999, 99999999999):
        response = post_in_memory(client, f"{BASE}/products/{product_id}/images", {
            "images": FileStorage(BytesIO(noise_png(1000)), "big.png"), "csrf_token": token})
        assert response.status_code == 413, product_id
        assert "images-error" not in response.get_data(as_text=True)
    assert ProductImage.select().count() == 0 and media_files(app) == before
