"""The CSV import benchmark: how long checking and applying 100,000 rows take.

    .venv/bin/python bench/import_catalogue.py                         # SQLite
    scripts/with-postgres .venv/bin/python bench/import_catalogue.py   # PostgreSQL

An empty database (SQLite in a throw-away directory, or the PostgreSQL database that
scripts/with-postgres makes: STOREFRONT_TEST_DATABASE_URL), migrated, with five categories.
Then, each timed for the check (the preview) and the apply (the confirmed import: checked
again and written in one transaction):
  1. create: BENCH_ROWS (100,000) new products;
  2. update: the same file with every price and stock changed and a tenth of the names;
  3. round trip: the catalogue exported, then checked (every row unchanged);
  4. the web: the update file again through the back office's pages (an admin signs in,
     uploads it for the preview, confirms; the confirmation streams its progress), as one
     gunicorn sync worker would serve them (its timeout is 30 s per request).
Prints seconds and rows per second for each, and checks the counts.
"""
import csv
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
INSTANCE = tempfile.mkdtemp(prefix="storefront-import-bench-")
os.environ["STOREFRONT_INSTANCE"] = INSTANCE
os.environ.setdefault("SECRET_KEY", "import-benchmark-secret-key")

from storefront import create_app, schema  # noqa: E402
from storefront.catalogue import csvio  # noqa: E402
from storefront.catalogue.models import Category, Product, ProductChange, ProductWord  # noqa: E402
from storefront.db import database, is_sqlite  # noqa: E402

BIN = ROOT / ".venv" / "bin"
STAFF_PASSWORD = "long enough for the staff rules"
ROWS = int(os.environ.get("BENCH_ROWS", "100000"))
CATEGORIES = ("lamps", "rugs", "chairs", "tables", "mirrors")
NOUNS = ("lamp", "rug", "chair", "table", "mirror", "vase", "clock", "shelf")
MATERIALS = ("brass", "walnut", "linen", "oak", "glass", "wool", "copper", "marble")
STATES = ("available", "available", "available", "out_of_stock", "on_reserve", "discontinued")


def catalogue_file(price_offset=0, renamed_every=0):
    """The benchmark's CSV (bytes): ROWS products, deterministic."""
    lines = [",".join(csvio.COLUMNS)]
    for number in range(1, ROWS + 1):
        material, noun = MATERIALS[number % 8], NOUNS[number // 8 % 8]
        name = f"{material.title()} {noun} {number}"
        if renamed_every and number % renamed_every == 0:
            name = f"Renamed {name}"
        state = STATES[number % len(STATES)]
        expected = "2031-03-01" if state == "on_reserve" else ""
        price = 500 + number % 90_000 + price_offset
        lines.append(
            f"BENCH-{number:07d},{name},,\"A {material} {noun}, made for the benchmark; "
            f"number {number}.\",{price // 100}.{price % 100:02d},{100 + number % 9000},"
            f"{(number + price_offset) % 50},{state},{expected},{CATEGORIES[number % 5]},no")
    return ("\n".join(lines) + "\n").encode()


def report(what, seconds):
    print(f"  {what:<34} {seconds:7.2f} s  {ROWS / seconds:>9,.0f} rows/s")


def timed(what, function, *args):
    started = time.perf_counter()
    result = function(*args)
    report(what, time.perf_counter() - started)
    return result


def exported():
    """The catalogue as the export writes it (bytes)."""
    out = io.StringIO()
    csv.writer(out).writerows(csvio.export_rows())
    return out.getvalue().encode()


def phase(title, data):
    print(f"{title} ({len(data) / 1e6:.1f} MB)")
    checked = timed("check (preview)", csvio.check, data)
    applied = timed("apply (check again + write)", csvio.apply, data, None)
    assert not checked.problems and not applied.problems, applied.problems[:3]
    print(f"  created {applied.created:,}, updated {applied.updated:,}, "
          f"unchanged {applied.unchanged:,}")
    return applied


class Browser:
    """Just enough of a browser for the staff pages: cookies, forms, their CSRF token."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())

    def open(self, path, fields=None, files=None):
        if fields is None:
            return self.opener.open(self.base + path, timeout=120)
        boundary, body = encode_multipart({**fields, **(files or {})})
        request = urllib.request.Request(self.base + path, data=body, headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}"})
        return self.opener.open(request, timeout=120)

    def token(self, path):
        html = self.open(path).read().decode()
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def serve(database_url):
    """`storefront serve` on a free port (gunicorn, gunicorn.conf.py: sync workers, 30 s
    timeout), with one worker; its URL and process."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": database_url, "WEB_CONCURRENCY": "1"}
    server = subprocess.Popen([str(BIN / "storefront"), "serve", "--bind", f"127.0.0.1:{port}"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/staff/login", timeout=1)
            return f"http://127.0.0.1:{port}", server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"gunicorn did not start: {server.stderr.read().decode()[-2000:]}")


def web(database_url, data):
    """The file through the back office's pages as gunicorn serves them: seconds for the
    preview, and for the confirmation with the moment each progress line arrived."""
    subprocess.run([str(BIN / "storefront"), "staff", "add", "admin@example.com",
                    "--role", "admin", "--password", STAFF_PASSWORD],
                   env={**os.environ, "DATABASE_URL": database_url}, check=True,
                   stdout=subprocess.DEVNULL)
    base, server = serve(database_url)
    try:
        browser = Browser(base)
        browser.open("/staff/login", {"csrf_token": browser.token("/staff/login"),
                                      "email": "admin@example.com",
                                      "password": STAFF_PASSWORD})
        page = "/staff/catalogue/import-export/"
        started = time.perf_counter()
        html = browser.open(f"{page}preview", {"csrf_token": browser.token(page)}, {
            "file": FileStorage(io.BytesIO(data), "catalogue.csv")}).read().decode()
        report("preview page (upload + check)", time.perf_counter() - started)
        fields = dict(re.findall(r'name="(token|digest)" type="hidden" value="([^"]+)"', html))
        assert set(fields) == {"token", "digest"}, html[-3000:]
        started = time.perf_counter()
        response = browser.open(f"{page}confirm", {"csrf_token": browser.token(page), **fields})
        shown = 0
        while True:  # a page follows the import for 20 s, then links to one that goes on
            body = b""
            while chunk := response.read1(65536):
                body += chunk
                lines = re.findall(rb"<li>([^<]+)</li>", body)
                for line in lines[shown:]:
                    print(f"    {time.perf_counter() - started:6.2f} s  {line.decode()}")
                shown = len(lines)
            follow = re.search(rb'href="([^"]+)">Follow it', body)
            if not follow:
                break
            print(f"    {time.perf_counter() - started:6.2f} s  (the page links to one that "
                  "follows the import further)")
            response, shown = browser.open(follow[1].decode().replace("&amp;", "&")), 0
        report("confirmed import (pages followed)", time.perf_counter() - started)
        assert b"The file is imported" in body, body[-3000:]
    finally:
        server.terminate()
        log = server.communicate(timeout=15)[1].decode()
    assert "WORKER TIMEOUT" not in log, log[-3000:]


def main():
    url = os.environ.get("STOREFRONT_TEST_DATABASE_URL") or \
        f"sqlite:///{Path(INSTANCE) / 'bench.db'}"
    create_app({"DATABASE_URL": url, "CACHE_SECONDS": 0})
    try:
        with database.connection_context():
            for model in reversed(schema.all_models()):
                model.drop_table(safe=True, cascade=not is_sqlite())
            database.execute_sql("DROP TABLE IF EXISTS schema_migration")
            schema.migrate(database.obj)
            for position, slug in enumerate(CATEGORIES):
                Category.create(name=slug.title(), slug=slug, position=position)
            print(f"{'SQLite' if is_sqlite() else 'PostgreSQL'}, {ROWS:,} rows")
            phase("1. create", catalogue_file())
            assert Product.select().count() == ROWS
            update = catalogue_file(price_offset=7, renamed_every=10)
            applied = phase("2. update", update)
            assert applied.updated == ROWS
            assert ProductChange.select().count() == 2 * ROWS
            assert ProductWord.select().where(ProductWord.word == "renamed").count() == ROWS // 10
            print("3. round trip")
            checked = timed("check (preview)", csvio.check, timed("export", exported))
            assert checked.unchanged == ROWS, (checked.problems[:3], checked.updated)
        print("4. the web (gunicorn): the update file once more, changed again")
        web(url, catalogue_file(price_offset=11, renamed_every=10))
    finally:
        shutil.rmtree(INSTANCE, ignore_errors=True)


if __name__ == "__main__":
    main()
