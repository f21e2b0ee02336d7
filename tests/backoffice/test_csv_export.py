"""The catalogue's CSV export (issue 11): every product in the columns the import reads,
streamed in batches, and safe to open in a spreadsheet (no cell runs as a formula)."""
import csv
import io
from datetime import date

from storefront.catalogue import csvio
from storefront.catalogue.models import Availability, Category, Product
from tests.factories import make_category, make_product, make_staff, staff_sign_in

URL = "/staff/catalogue/import-export/catalogue.csv"


def admin_client(app):
    make_staff("admin")
    client = app.test_client()
    staff_sign_in(client, "admin@staff.example.com")
    return client


def read(response):
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")  # a spreadsheet then reads it as UTF-8
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


def test_the_export_has_every_product_in_the_import_s_columns(app, db):
    lighting = make_category(name="Lighting")
    rugs = make_category(name="Rugs")
    make_product(lighting, name="Brass Lamp", sku="LAMP-1", price_cents=129905, stock=3,
                 weight_grams=1800, description="Bright.\n\nAnd *warm*, \"really\".")
    make_product(rugs, name="Linen Rug", sku="RUG-1", price_cents=4500, is_hidden=True,
                 availability=Availability.ON_RESERVE, expected_on=date(2031, 5, 1))
    response = admin_client(app).get(URL)
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="catalogue-')
    lamp, rug = read(response)
    assert list(lamp) == list(csvio.COLUMNS)
    assert lamp == {"sku": "LAMP-1", "name": "Brass Lamp", "slug": "brass-lamp",
                    "description": "Bright.\n\nAnd *warm*, \"really\".", "price": "1299.05",
                    "weight_grams": "1800", "stock": "3", "availability": "available",
                    "expected_on": "", "category": "lighting", "hidden": "no"}
    assert (rug["price"], rug["availability"], rug["expected_on"], rug["category"],
            rug["hidden"]) == ("45.00", "on_reserve", "2031-05-01", "rugs", "yes")


def test_no_cell_of_the_export_runs_as_a_formula(app, db):
    make_category(name="Lighting")
    names = ["=HYPERLINK(\"http://evil.example\",\"Lamp\")", "+1 Lamp", "-Lamp", "@SUM Lamp",
             "'Tis the Lamp"]
    for number, name in enumerate(names):
        make_product(name=name, sku=f"LAMP-{number}", slug=f"lamp-{number}",
                     description="- a list\n- in Markdown")
    client = admin_client(app)
    rows = read(client.get(URL))
    assert [row["name"] for row in rows] == [
        "'=HYPERLINK(\"http://evil.example\",\"Lamp\")", "'+1 Lamp", "'-Lamp", "'@SUM Lamp",
        "''Tis the Lamp"]  # an apostrophe of the name's own is kept: the import takes one off
    assert {row["description"] for row in rows} == {"'- a list\n- in Markdown"}
    # Read back by the import, every row is the product as it is.
    outcome = csvio.check(client.get(URL).get_data())
    assert (outcome.unchanged, outcome.problems) == (len(names), [])


def test_a_large_catalogue_is_read_in_batches_in_id_order(app, db, monkeypatch):
    category = make_category(name="Lighting")
    Product.insert_many([{"sku": f"GEN-{n:05d}", "slug": f"gen-{n}", "name": f"Lamp {n}",
                          "price_cents": 100 + n, "category": category.id}
                         for n in range(1, 2502)]).execute()
    batches = []
    real_select = Product.select

    def counting_select(*fields):
        batches.append(fields)
        return real_select(*fields)
    monkeypatch.setattr(Product, "select", counting_select)
    rows = read(admin_client(app).get(URL))
    assert [row["sku"] for row in rows] == [f"GEN-{n:05d}" for n in range(1, 2502)]
    assert len([fields for fields in batches if len(fields) > 1]) == 3  # 2,000, 501, none
    assert rows[-1]["price"] == "26.01"
    assert Category.select().count() == 1


def test_an_empty_catalogue_exports_its_header(app, db):
    text = admin_client(app).get(URL).get_data().decode("utf-8")
    assert text == "\ufeff" + ",".join(csvio.COLUMNS) + "\r\n"
