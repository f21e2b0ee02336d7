"""The catalogue's CSV import (issue 11): checked whole and previewed (counts, every refused
line with its number and reasons), written only once confirmed, in one transaction, from the
very file the preview showed; availability changes reach open orders (P3)."""
import csv
import io
import json
import re
import threading
import time
from datetime import date, timedelta
from html import unescape
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from storefront.accounts.models import StaffUser
from storefront.backoffice import import_jobs, import_views
from storefront.catalogue import bulk_writes, csvio
from storefront.catalogue import service as catalogue
from storefront.catalogue.models import (Availability, Category, Product, ProductChange,
                                         ProductWord)
from storefront.db import utcnow
from storefront.mail.models import OutboxMessage
from storefront.orders.models import Order, OrderLine
from tests.factories import (add_to_cart, checkout, csrf_token, make_category, make_product,
                             make_staff, post_form, staff_sign_in)

PAGE = "/staff/catalogue/import-export/"
SOON = utcnow().date() + timedelta(days=120)  # an item on reserve's expected date
DEFAULTS = {"name": "Linen Rug", "slug": "", "description": "A rug of linen.", "price": "45.00",
            "weight_grams": "2000", "stock": "4", "availability": "available",
            "expected_on": "", "category": "lighting", "hidden": "no"}


def row(sku, **cells):
    return {"sku": sku, **DEFAULTS, **cells}


def as_csv(*rows, columns=csvio.COLUMNS):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def upload(client, data, name="catalogue.csv"):
    """POST the file as a browser does, encoded in memory: the test client would spool a
    large body to a temporary file it never closes."""
    boundary, body = encode_multipart({"csrf_token": csrf_token(client, PAGE),
                                       "file": FileStorage(io.BytesIO(data), name)})
    return client.post(f"{PAGE}preview", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def confirm_fields(html):
    fields = dict(re.findall(r'name="(token|digest)" type="hidden" value="([^"]+)"', html))
    assert set(fields) == {"token", "digest"}, html
    return fields


def confirm(client, fields):
    return post_form(client, f"{PAGE}confirm", fields, token_page=PAGE)


def refused_lines(html):
    """{line number: reasons text} of the preview's table of refused lines."""
    return {int(number): unescape(re.sub(r"<[^>]+>", " ", reasons)).strip() for number, reasons in
            re.findall(r'<tr><th scope="row">(\d+)</th><td>(.*?)</td></tr>', html)}


def kept_files(app):
    """The uploads kept under instance/imports/ (not the imports' progress)."""
    folder = Path(app.config["INSTANCE_PATH"]) / "imports"
    return sorted(path.name for path in folder.iterdir() if path.suffix != ".json") \
        if folder.exists() else []


def snapshot():
    """Everything an import could change."""
    return (list(Product.select().order_by(Product.id).dicts()),
            ProductChange.select().count(), ProductWord.select().count(),
            [(c.slug, c.product_count) for c in Category.ordered()])


@pytest.fixture
def admin(app, db):
    make_staff("admin")
    client = app.test_client()
    staff_sign_in(client, "admin@staff.example.com")
    folder = Path(app.config["INSTANCE_PATH"]) / "imports"
    for path in folder.iterdir() if folder.exists() else ():
        path.unlink()
    return client


@pytest.fixture
def lamp(db):
    make_category(name="Lighting")
    make_category(name="Rugs")
    return make_product(name="Brass Lamp", sku="LAMP-1", price_cents=2500, stock=10)


def exported_row(product):
    rows = list(csv.DictReader(io.StringIO("\n".join(
        ",".join(f'"{cell}"' for cell in cells) for cells in csvio.export_rows()))))
    return next(r for r in rows if r["sku"] == product.sku)


def test_the_preview_counts_and_writes_nothing(app, admin, lamp):
    kept = make_product(name="Oak Stool", sku="STOOL-1")
    before = snapshot()
    data = as_csv({**exported_row(lamp), "price": "30.00"}, exported_row(kept),
                  row("RUG-1", category="rugs"))
    response = upload(admin, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "catalogue.csv: 3 product rows" in html
    assert re.search(r"create</th><td>1 product<", html)
    assert re.search(r"update</th><td>1 product<", html)
    assert re.search(r"leave unchanged</th><td>1 product<", html)
    assert "Import: create 1, update 1" in html
    assert snapshot() == before
    [name] = kept_files(app)
    assert name == f"{confirm_fields(html)['token']}.csv"


def test_confirming_writes_every_row_in_one_go(app, admin, lamp):
    data = as_csv({**exported_row(lamp), "price": "30.00", "name": "Brass Desk Lamp"},
                  row("RUG-1", name="Linen Rug", category="rugs", price="1,045.50"),
                  row("RUG-2", name="Linen Rug", category="rugs", hidden="yes",
                      availability="on_reserve", expected_on=SOON.isoformat()))
    fields = confirm_fields(upload(admin, data).get_data(as_text=True))
    response = confirm(admin, fields)
    assert response.status_code == 200 and response.is_streamed
    html = response.get_data(as_text=True)
    assert "3 of 3 rows written" in html
    assert "The file is imported: 2 created, 1 updated, 0 unchanged." in html
    updated = Product.get_by_id(lamp.id)
    assert (updated.name, updated.price_cents, updated.slug) == (
        "Brass Desk Lamp", 3000, "brass-lamp")  # an empty slug keeps the product's own
    first, second = Product.select().where(Product.sku.in_(["RUG-1", "RUG-2"])) \
        .order_by(Product.sku)
    assert (first.slug, first.price_cents, first.category.slug, first.is_hidden) == (
        "linen-rug", 104550, "rugs", False)
    assert (second.slug, second.expected_on, second.is_hidden) == (
        "linen-rug-2", SOON, True)
    # One history row per product, the staff member named; the search finds the new words.
    admin_id = StaffUser.get(StaffUser.email_key == "admin@staff.example.com").id
    assert {change.staff_id for change in ProductChange.select()} == {admin_id}
    assert json.loads(ProductChange.get(ProductChange.product == lamp.id).changes) == {
        "name": ["Brass Lamp", "Brass Desk Lamp"], "price_cents": [2500, 3000]}
    assert json.loads(ProductChange.get(ProductChange.product == first.id).changes)[
        "category"] == [None, "Rugs"]
    assert ProductChange.select().count() == 3
    assert [p.id for p in catalogue.search_page("desk", "name", 1, 10).items] == [lamp.id]
    assert [p.id for p in catalogue.search_page("linen rug", "name", 1, 10).items] == [
        first.id]  # the hidden one is not shown
    assert {c.slug: c.product_count for c in Category.select()} == {"lighting": 1, "rugs": 1}
    assert kept_files(app) == []
    # The same confirmation again finds nothing to import.
    again = confirm(admin, fields)
    assert again.status_code == 400 and "imported already" in again.get_data(as_text=True)
    assert Product.select().count() == 3


BAD_ROWS = [  # (cells, what the reason says)
    ({"category": "garden"}, 'category “garden”: No category has this slug.'),
    ({"price": "12,5"}, 'price “12,5”: Enter a price from 0.01 to 999,999.99'),
    ({"price": "0"}, "price “0”: Enter a price from 0.01"),
    ({"sku": "LAMP-1", "slug": "other-lamp"}, "sku “LAMP-1”: Line 2 has this SKU already."),
    ({"slug": "brass-lamp"}, "slug “brass-lamp”: Another product has this slug."),
    ({"slug": "Not A Slug"}, "slug “Not A Slug”: Use lower-case letters"),
    ({"availability": "sold"}, "availability “sold”: Write one of available, on_reserve, "
                               "out_of_stock, discontinued."),
    ({"availability": "on_reserve"}, "expected_on: Enter the date an item on reserve is "
                                     "expected."),
    ({"availability": "on_reserve", "expected_on": "1 May"},
     "expected_on “1 May”: Write the date like 2025-03-31."),
    ({"availability": "on_reserve", "expected_on": "0001-01-01"},
     "expected_on “0001-01-01”: Enter a date from today to five years ahead."),
    ({"availability": "on_reserve", "expected_on": "2999-01-01"},
     "expected_on “2999-01-01”: Enter a date from today to five years ahead."),
    ({"stock": "-1"}, "stock “-1”: Enter the number in stock: a whole number"),
    ({"weight_grams": "2kg"}, "weight_grams “2kg”: Enter the weight in grams"),
    ({"name": "  "}, "name: Enter the product's name."),
    ({"sku": "LAMP 2"}, "sku “LAMP 2”: A SKU has at most 64 letters"),
    ({"hidden": "maybe"}, "hidden “maybe”: Write yes or no."),
    ({"category": ""}, "category: Give the slug of the product's category."),
]


def test_every_bad_row_is_refused_with_its_line_number_and_nothing_is_written(app, admin, lamp):
    before = snapshot()
    rows = [exported_row(lamp) | {"price": "99.00"},  # line 2: good, an update
            row("RUG-0", description="Two lines:\nthis one, and a \"quoted\" word.")]  # 3-4
    rows += [{**row(f"RUG-{number}"), **cells} for number, (cells, _) in enumerate(BAD_ROWS, 1)]
    data = as_csv(*rows) + b"RUG-99,Wide Rug,,,45.00,1,1,available,,rugs,no,surplus\r\n"
    response = upload(admin, data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    found = refused_lines(html)
    expected = {5 + number: reason for number, (_, reason) in enumerate(BAD_ROWS)}
    expected[5 + len(BAD_ROWS)] = "This row has 12 cells; the header has 11."
    assert set(found) == set(expected), found
    for line, reason in expected.items():
        assert reason in found[line], (line, found[line])
    assert f"{len(expected)} lines are refused, so nothing was imported" in html
    assert 'name="token"' not in html  # nothing to confirm
    assert snapshot() == before
    assert kept_files(app) == []


@pytest.mark.parametrize("data, line, reason", [
    (b"", 1, "The file is empty"),
    (b"sku,name,price\nA-1,Lamp,2.00\n", 1,
     "The header lacks: slug, description, weight_grams, stock, availability, expected_on, "
     "category, hidden."),
    (",".join([*csvio.COLUMNS, "colour"]).encode() + b"\n", 1,
     "The header has columns we do not know: colour."),
    (",".join([*csvio.COLUMNS, "sku"]).encode() + b"\n", 1, "The header names sku twice."),
    (",".join(csvio.COLUMNS).encode() + b"\n\n", 2, "No products follow the header."),
    (as_csv(row("A-1"), row("A-2", name="Caf\xe9 Lamp")).replace(b"Caf\xc3\xa9", b"Caf\xe9"),
     3, "The file is not UTF-8 text."),
    (as_csv(row("A-1"), row("A-2")).replace(b"A-2", b"A\x002"), 3, "NUL character"),
    (as_csv(row("A-1")) + b'A-2,"Lamp"x,,,1.00,1,1,available,,lighting,no\n', 3,
     "This line cannot be read as CSV"),
])
def test_a_file_that_cannot_be_read_is_refused_where_it_goes_wrong(admin, lamp, data, line,
                                                                   reason):
    before = snapshot()
    response = upload(admin, data)
    assert response.status_code == 400
    found = refused_lines(response.get_data(as_text=True))
    assert list(found) == [line] and reason in found[line], found
    assert snapshot() == before


def test_a_byte_order_mark_and_spreadsheet_quoting_are_read(admin, lamp):
    data = "\ufeff".encode() + as_csv(row("RUG-1"), row(
        "RUG-2", name="'=Not a formula", description="'- a list item"))
    fields = confirm_fields(upload(admin, data).get_data(as_text=True))
    assert "2 created" in confirm(admin, fields).get_data(as_text=True)
    made = Product.get(Product.sku == "RUG-2")
    assert (made.name, made.description) == ("=Not a formula", "- a list item")


def test_a_file_changed_after_its_preview_is_not_imported(app, admin, lamp):
    data = as_csv(row("RUG-1"))
    fields = confirm_fields(upload(admin, data).get_data(as_text=True))
    kept = Path(app.config["INSTANCE_PATH"]) / "imports" / f"{fields['token']}.csv"
    kept.write_bytes(as_csv(row("RUG-1"), row("RUG-2")))
    before = snapshot()
    response = confirm(admin, fields)
    assert response.status_code == 400
    assert "The file changed after its preview" in response.get_data(as_text=True)
    assert snapshot() == before and kept_files(app) == []
    # A digest that is not the file's is refused the same way; a made-up name is not known.
    fields = confirm_fields(upload(admin, data).get_data(as_text=True))
    forged = confirm(admin, {**fields, "digest": "0" * 64})
    assert "The file changed after its preview" in forged.get_data(as_text=True)
    unknown = confirm(admin, {"token": "../../storefront.db", "digest": "0" * 64})
    assert unknown.status_code == 400 and "not one we know" in unknown.get_data(as_text=True)
    assert snapshot() == before


def test_a_failure_half_way_leaves_the_catalogue_as_it_was(app, admin, lamp, monkeypatch):
    data = as_csv({**exported_row(lamp), "price": "30.00"},
                  *[row(f"RUG-{number}", name=f"Rug {number}") for number in range(1, 6)])
    fields = confirm_fields(upload(admin, data).get_data(as_text=True))
    before = snapshot()
    monkeypatch.setattr(csvio, "BATCH", 2)
    monkeypatch.setattr(csvio, "PROGRESS_EVERY", 2)
    written = []
    real_index = bulk_writes.BatchWriter._index

    def fail_on_the_third_batch(products, replacing):
        written.append(len(products))
        if len(written) == 3:
            raise RuntimeError("the disk is full")
        real_index(products, replacing)
    monkeypatch.setattr(bulk_writes.BatchWriter, "_index", staticmethod(fail_on_the_third_batch))
    html = confirm(admin, fields).get_data(as_text=True)
    assert len(written) == 3  # two batches of two rows were written before the failure
    assert "The import failed, so nothing was written" in html
    assert "The file is imported" not in html
    assert snapshot() == before
    assert kept_files(app) == []


def test_an_import_of_the_export_changes_nothing(app, admin, lamp):
    Product.update(expected_on=date(2030, 1, 1)).where(Product.id == lamp.id).execute()
    make_product(name="=SUM(A1:A9) Lamp", sku="LAMP-2", description="- one\n- two, \"three\"")
    make_product(name="'Tis the Season Lamp", sku="LAMP-3", is_hidden=True,
                 availability=Availability.ON_RESERVE, expected_on=date(2031, 2, 3))
    exported = admin.get(f"{PAGE}catalogue.csv").get_data()
    html = upload(admin, exported).get_data(as_text=True)
    assert re.search(r"leave unchanged</th><td>3 products<", html), html
    assert "Nothing would change" in html and 'name="token"' not in html
    assert kept_files(app) == []


def test_an_availability_change_tells_the_customers_with_open_orders(app, admin, lamp,
                                                                     processor):
    catalogue.set_availability(lamp.id, Availability.ON_RESERVE)
    shopper = app.test_client()
    add_to_cart(shopper, lamp)
    assert checkout(shopper, details={"email": "bea@example.com"}).status_code == 302
    order = Order.get()
    assert order.lines.get().status == OrderLine.ON_RESERVE
    mails = OutboxMessage.select().where(OutboxMessage.category == "line_status").count()
    data = as_csv({**exported_row(lamp), "availability": "out_of_stock"})
    preview = upload(admin, data).get_data(as_text=True)
    assert "1 product becomes out of stock: the lines of open orders for it follow" in preview
    html = confirm(admin, confirm_fields(preview)).get_data(as_text=True)
    assert f"Open orders updated, and their customers told: {order.number}." in html
    assert order.lines.get().status == OrderLine.OUT_OF_STOCK
    [mail] = OutboxMessage.select().where(OutboxMessage.category == "line_status") \
        .order_by(OutboxMessage.id)[mails:]
    assert mail.recipient == "bea@example.com"
    assert "Brass Lamp: Out of stock" in mail.body_text


@pytest.mark.parametrize("role", ["fulfilment", "care", "marketing"])
def test_only_admin_staff_may_export_or_import(app, db, lamp, role):
    make_staff(role)
    client = app.test_client()
    staff_sign_in(client, f"{role}@staff.example.com")
    token = csrf_token(client, "/staff/")
    assert client.get(PAGE).status_code == 403
    assert client.get(f"{PAGE}catalogue.csv").status_code == 403
    upload_response = client.post(f"{PAGE}preview", data={
        "csrf_token": token, "file": (io.BytesIO(as_csv(row("RUG-1"))), "c.csv")})
    assert upload_response.status_code == 403
    assert client.post(f"{PAGE}confirm", data={"csrf_token": token, "token": "x" * 22,
                                               "digest": "0" * 64}).status_code == 403
    assert Product.select().count() == 1


def test_the_upload_limit_is_the_import_s_own_and_said_clearly(app, admin, lamp, monkeypatch):
    # Larger than the app's 2 MB for any other request, and read whole.
    big = as_csv(*[row(f"RUG-{n}", description="Woven by hand. " * 1300) for n in range(150)])
    assert len(big) > app.config["MAX_CONTENT_LENGTH"]
    html = upload(admin, big).get_data(as_text=True)
    assert re.search(r"create</th><td>150 products<", html)
    # Over the import's own limit: nothing is read, and the page says why, by the field.
    monkeypatch.setattr(app.view_functions["backoffice_import.preview"], "upload_limit",
                        1024 * 1024)
    response = upload(admin, big)
    assert response.status_code == 413
    text = response.get_data(as_text=True)
    assert "The file is larger than 1 MB, so nothing was read." in text
    assert 'id="file-error"' in text
    assert Product.select().count() == 1
    # The route still refuses a NUL byte in its form fields.
    refused = admin.post(f"{PAGE}preview", data={"csrf_token": "\x00",
                                                 "file": (io.BytesIO(b"x"), "c.csv")})
    assert refused.status_code == 400


def test_a_long_import_goes_on_after_its_page_and_one_runs_at_a_time(app, admin, lamp,
                                                                      monkeypatch):
    monkeypatch.setattr(import_views, "WATCH_SECONDS", 0)
    release, real_steps = threading.Event(), csvio.apply_steps

    def held_back(data, staff_id):  # the import waits before its transaction begins
        release.wait(120)
        return (yield from real_steps(data, staff_id))
    monkeypatch.setattr(csvio, "apply_steps", held_back)
    fields = confirm_fields(upload(admin, as_csv(row("RUG-1"))).get_data(as_text=True))
    html = confirm(admin, fields).get_data(as_text=True)
    assert "The import goes on." in html
    follow = unescape(re.search(r'href="([^"]*progress\?import=[^"]+)">Follow it', html)[1])
    other = confirm_fields(upload(admin, as_csv(row("RUG-2"))).get_data(as_text=True))
    refused = confirm(admin, other)
    assert refused.status_code == 409
    assert "Another import is running" in refused.get_data(as_text=True)
    release.set()
    monkeypatch.setattr(import_views, "WATCH_SECONDS", 20)
    assert "The file is imported: 1 created" in admin.get(follow).get_data(as_text=True)
    # The refused one waited, kept: it can be confirmed now.
    assert "The file is imported: 1 created" in confirm(admin, other).get_data(as_text=True)
    assert sorted(p.sku for p in Product.select()) == ["LAMP-1", "RUG-1", "RUG-2"]


def test_an_import_whose_process_ended_is_said_to_have_stopped(app, admin):
    folder = Path(app.config["INSTANCE_PATH"]) / "imports"
    folder.mkdir(exist_ok=True)
    token = "A" * 22
    (folder / f"{token}.json").write_text(json.dumps({
        "state": "running", "done": 10_000, "total": 20_000, "stage": "written",
        "at": time.time() - import_jobs.STALE_SECONDS - 1}))
    html = admin.get(f"{PAGE}progress?import={token}").get_data(as_text=True)
    assert "10,000 of 20,000 rows written" in html
    assert "The import stopped before it was over" in html
    assert not import_jobs.busy(folder)  # it holds nothing back
    # Ended after its commit, while open orders were following: the import stands.
    (folder / f"{'C' * 22}.json").write_text(json.dumps({
        "state": "running", "done": 2, "total": 2, "stage": "saved",
        "outcome": {"created": 0, "updated": 2, "unchanged": 0, "problem_count": 0,
                    "problems": []}, "at": time.time() - import_jobs.STALE_SECONDS - 1}))
    html = admin.get(f"{PAGE}progress?import={'C' * 22}").get_data(as_text=True)
    assert "The file is imported: 0 created, 2 updated" in html
    assert "Open orders could not all follow the new availabilities" in html
    assert admin.get(f"{PAGE}progress").status_code == 302
    assert admin.get(f"{PAGE}progress?import=../../storefront").status_code == 404
    assert admin.get(f"{PAGE}progress?import={'B' * 22}").status_code == 404
