"""The merchant's back office in a real browser: an admin builds the catalogue with pictures,
a file that is not a picture is refused, and discontinuing a product tells the customer who
ordered it (P3)."""
import csv
import re
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from storefront.catalogue.models import Product
from storefront.orders.models import Order
from tests.e2e.test_consent import assert_no_serious_axe_violations
from tests.e2e.test_cobrand import staff_page
from tests.e2e.test_fulfilment import body, buy, run_mail_worker
from tests.factories import make_staff

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("processor")]
PICTURES = re.compile("^Pictures")


def photo():
    """A real JPEG, as a person's camera would hand it over."""
    out = BytesIO()
    Image.new("RGB", (640, 480), (180, 110, 60)).save(out, "JPEG")
    return {"name": "lamp.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def not_a_picture():
    return {"name": "lamp.png", "mimeType": "image/png",
            "buffer": b"These are notes about a lamp, saved with the wrong name.\n" * 20}


def catalogue_file(rows):
    """A CSV file of the catalogue, as a spreadsheet saves it."""
    out = StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return {"name": "catalogue.csv", "mimeType": "text/csv", "buffer": out.getvalue().encode()}


def create_category(admin, name):
    admin.goto("/staff/")
    admin.get_by_role("link", name="Catalogue: products, categories, stock").click()
    admin.get_by_role("link", name="Categories").click()
    admin.get_by_role("link", name="Add a category").click()
    admin.get_by_label("Name").fill(name)
    admin.get_by_label("Description").fill("Lamps for reading and for living.")
    admin.get_by_role("button", name="Save the category").click()
    expect(admin.get_by_role("status")).to_contain_text(f"The category {name} is saved.")


def fill_product(admin, category):
    admin.goto("/staff/catalogue/")
    admin.get_by_role("link", name="Add a product").click()
    admin.get_by_label("Name", exact=True).fill("Walnut Reading Lamp")
    admin.get_by_label("Description (Markdown)").fill("A **walnut** lamp for long evenings.")
    admin.get_by_label("Price (dollars)").fill("64.00")
    admin.get_by_label("SKU").fill("WAL-LAMP-1")
    admin.get_by_label("Weight (grams)").fill("1800")
    admin.get_by_label("Category").select_option(label=category)
    admin.get_by_label("Units in stock").fill("5")
    admin.get_by_label("Available", exact=True).check()


def test_an_admin_builds_the_catalogue_and_discontinuing_tells_the_customer(
        new_context, db, smtp_sink, database_url):
    make_staff("admin")
    admin = staff_page(new_context, "admin@staff.example.com")
    create_category(admin, "Reading Lamps")

    # A file that is only named like a picture is refused next to the field; nothing is lost.
    fill_product(admin, "Reading Lamps")
    admin.get_by_label(PICTURES).set_input_files([not_a_picture()])
    admin.get_by_role("button", name="Create the product").click()
    expect(admin.locator("#images-error")).to_contain_text(
        "The file is not a picture we can read")
    expect(admin.get_by_label(PICTURES)).to_have_attribute("aria-invalid", "true")
    expect(admin.get_by_label("Name", exact=True)).to_have_value("Walnut Reading Lamp")
    assert Product.select().count() == 0
    assert_no_serious_axe_violations(admin)

    admin.get_by_label(PICTURES).set_input_files([photo()])
    admin.get_by_role("button", name="Create the product").click()
    expect(admin.get_by_role("status")).to_contain_text("Walnut Reading Lamp is created.")
    expect(admin.get_by_role("heading", level=1)).to_have_text("Walnut Reading Lamp")
    expect(admin.get_by_text("640×480, the main picture")).to_be_visible()
    assert_no_serious_axe_violations(admin)

    # The shop shows it, with its picture, in its category and on its own page.
    shopper = new_context().new_page()
    shopper.goto("/")
    shopper.get_by_role("link", name="Reading Lamps").first.click()
    card = shopper.get_by_role("link", name="Walnut Reading Lamp")
    expect(card).to_be_visible()
    expect(card.locator("img")).to_have_js_property("naturalWidth", 400)  # loaded, lazily
    card.click()
    expect(shopper.get_by_role("heading", level=1)).to_have_text("Walnut Reading Lamp")
    main = shopper.get_by_role("img", name="Walnut Reading Lamp")
    expect(main).to_have_js_property("naturalWidth", 640)
    expect(shopper.locator(".description strong")).to_have_text("walnut")

    # The admin downloads the catalogue, changes a price and adds two products, one with a
    # price the import cannot read: the file is refused with that row's line, and nothing
    # changes; the corrected file imports.
    admin.goto("/staff/catalogue/import-export/")
    with admin.expect_download() as download:
        admin.get_by_role("link", name="Download the catalogue (CSV)").click()
    [walnut] = list(csv.DictReader(StringIO(
        Path(download.value.path()).read_text(encoding="utf-8-sig"), newline="")))
    assert (walnut["sku"], walnut["price"], walnut["category"]) == (
        "WAL-LAMP-1", "64.00", "reading-lamps")
    new = {**walnut, "slug": "", "description": "", "stock": "3"}
    rows = [{**walnut, "price": "59.00"},
            {**new, "sku": "BRASS-FLOOR-1", "name": "Brass Floor Lamp", "price": "12,50"},
            {**new, "sku": "PAPER-1", "name": "Paper Lantern", "price": "9.00"}]
    admin.get_by_label("CSV file (UTF-8)").set_input_files(catalogue_file(rows))
    admin.get_by_role("button", name="Check the file").click()
    expect(admin.get_by_role("alert")).to_contain_text(
        "1 line is refused, so nothing was imported")
    refused = admin.get_by_role("table", name="Refused lines").get_by_role("row").nth(1)
    expect(refused.get_by_role("rowheader")).to_have_text("3")
    expect(refused).to_contain_text('price “12,50”: Enter a price from 0.01 to 999,999.99')
    expect(admin.get_by_role("button", name=re.compile("^Import"))).to_have_count(0)
    assert_no_serious_axe_violations(admin)
    assert [(p.sku, p.price_cents) for p in Product.select()] == [("WAL-LAMP-1", 6400)]

    rows[1]["price"] = "12.50"
    admin.get_by_label("CSV file (UTF-8)").set_input_files(catalogue_file(rows))
    admin.get_by_role("button", name="Check the file").click()
    counts = admin.get_by_role("table", name="The file would")
    expect(counts.get_by_role("row", name="create 2 products")).to_be_visible()
    expect(counts.get_by_role("row", name="update 1 product")).to_be_visible()
    admin.get_by_role("button", name="Import: create 2, update 1").click()
    expect(admin.get_by_role("status")).to_contain_text(
        "The file is imported: 2 created, 1 updated, 0 unchanged.")
    expect(admin.get_by_role("list", name="Progress")).to_contain_text("3 of 3 rows written")
    assert sorted((p.sku, p.price_cents) for p in Product.select()) == [
        ("BRASS-FLOOR-1", 1250), ("PAPER-1", 900), ("WAL-LAMP-1", 5900)]
    shopper.goto("/c/reading-lamps")
    expect(shopper.get_by_role("link", name="Brass Floor Lamp")).to_be_visible()
    admin.get_by_role("link", name="All products").click()
    admin.get_by_role("link", name="Walnut Reading Lamp").click()

    # A customer orders it; the admin discontinues it; the customer is told.
    number = buy(shopper, ("walnut-reading-lamp",))
    admin.reload()
    admin.get_by_label("Discontinued").check()
    admin.get_by_role("button", name="Save stock and availability").click()
    expect(admin.locator("#confirm-error")).to_contain_text(
        "Discontinuing cancels 1 line of open orders")
    admin.get_by_label(re.compile("^I am sure")).check()
    admin.get_by_role("button", name="Save stock and availability").click()
    expect(admin.get_by_role("status")).to_contain_text(
        f"Open orders updated, and their customers told: {number}.")
    assert Order.get(Order.number == number).lines.get().status == "discontinued"

    run_mail_worker(database_url, smtp_sink)
    received = {message["Subject"]: message for message in smtp_sink.messages()}
    status = received[f"About some items of order {number}"]
    assert status["To"] == "gus@example.com"
    assert "Walnut Reading Lamp: Discontinued, cancelled" in body(status)
    assert "you will not pay for it" in body(status)
