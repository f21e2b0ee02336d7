"""The catalogue as CSV: the export, and the import that creates or updates products by SKU.

The import is checked whole before anything is written (check: how many products would be
created, updated or left unchanged, and every bad row with its line number and reasons), and
applied in one transaction (apply_steps): a bad row or any failure leaves the catalogue as it
was. Rows go by batches of BATCH: each batch is checked (csv_rows, with the rules of the back
office's forms) and, when applying, written (bulk_writes), so 100,000 rows take seconds.

Cells are read as the export writes them: one leading apostrophe is taken off (the export
puts one before text a spreadsheet would run as a formula, and before text starting with an
apostrophe; spreadsheets read it the same way). An empty slug makes one from the name for a
new product and keeps the current one of an existing product.
"""
import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from itertools import islice

from storefront.catalogue.bulk_writes import BatchWriter
from storefront.catalogue.csv_rows import COLUMNS, KEYS, READ, Problem, RowChecker, unquote
from storefront.catalogue.models import Category, Product, ProductWord
from storefront.catalogue.service import refresh_category_counts
from storefront.db import database

BATCH = 1000  # rows checked, and written, together
PROGRESS_EVERY = 10_000
FRESH_STATISTICS = 10_000  # new products after which the tables are analyzed


@dataclass
class Outcome:
    """What an import would do (check) or did (apply)."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list = field(default_factory=list)  # Problem, in line order
    becoming: Counter = field(default_factory=Counter)  # new availability → products
    availability_changed: dict = field(default_factory=dict)  # product id → availability


@dataclass
class Progress:
    stage: str  # "checked" or "written"
    done: int
    total: int


def export_rows(batch=2000):
    """The header, then every product (hidden ones too) in id order as text cells, read in
    batches by id: the whole catalogue never sits in memory."""
    slugs = dict(Category.select(Category.id, Category.slug).tuples())
    yield list(COLUMNS)
    last = 0
    while rows := list(Product.select(*READ).where(Product.id > last).order_by(Product.id)
                       .limit(batch).tuples()):
        for row in rows:
            p = dict(zip(KEYS, row, strict=True))
            yield [p["sku"], p["name"], p["slug"], p["description"],
                   f"{p['price_cents'] // 100}.{p['price_cents'] % 100:02d}",
                   str(p["weight_grams"]), str(p["stock"]), p["availability"],
                   p["expected_on"].isoformat() if p["expected_on"] else "",
                   slugs[p["category_id"]], "yes" if p["is_hidden"] else "no"]
        last = rows[-1][0]


def check(data):
    """What importing the file (bytes) would do; writes nothing."""
    return _drain(_run(data, Outcome(), None))


def apply(data, staff_id):
    """Import the file (bytes) in one transaction; the Outcome (with problems, nothing was
    written)."""
    return _drain(apply_steps(data, staff_id))


def apply_steps(data, staff_id):
    """apply, yielding Progress as it goes; returns the Outcome. Everything is checked again
    against the catalogue as it is now, inside the transaction."""
    outcome = Outcome()
    try:
        with database.atomic():
            yield from _run(data, outcome, BatchWriter(staff_id))
            if outcome.problems:
                raise _Undo
            refresh_category_counts()
    except _Undo:
        outcome.availability_changed.clear()
        return outcome
    if outcome.created >= FRESH_STATISTICS:  # or the planner reads the grown tables badly
        for table in (Product, ProductWord):
            database.execute_sql(f'ANALYZE "{table._meta.table_name}"')
    return outcome


class _Undo(Exception):
    """Roll the import back: a row was refused."""


def _drain(steps):
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


def _decode(data):
    """(text, None) or (None, Problem) for a file that is not UTF-8 or holds a NUL."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return None, Problem(data.count(b"\n", 0, error.start) + 1, [
            "The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again."])
    if "\x00" in text:
        return None, Problem(text.count("\n", 0, text.index("\x00")) + 1, [
            "The file holds a NUL character: it is not a CSV text file."])
    return text, None


def _records(text):
    """(line where the record starts, cells) of every record but blank lines."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    end = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise _Unreadable(Problem(end + 1, [
                f"This line cannot be read as CSV ({error})."])) from None
        start, end = end + 1, reader.line_num
        if cells:
            yield start, cells


class _Unreadable(Exception):
    """The file stops being CSV at some line: the Problem says where."""


def _header(line, cells):
    """{column: position}, or a Problem."""
    names = [cell.strip().lower() for cell in cells]
    twice = sorted({name for name in names if names.count(name) > 1})
    unknown = [name for name in names if name not in COLUMNS]
    missing = [name for name in COLUMNS if name not in names]
    reasons = ([f"The header names {', '.join(twice)} twice."] if twice else []) + (
        [f"The header has columns we do not know: {', '.join(unknown)}."] if unknown else []) + (
        [f"The header lacks: {', '.join(missing)}."] if missing else [])
    if reasons:
        return Problem(line, reasons + [
            f"The first line must name the columns {', '.join(COLUMNS)} (in any order)."])
    return {name: position for position, name in enumerate(names)}


def _run(data, outcome, writer):
    """Check every row (and write them, given a writer), yielding Progress. Two readings of
    the text: the first finds the header, counts the rows and notes every slug they give (a
    slug made from a name must not take one a later row asks for), the second checks."""
    text, problem = _decode(data)
    if problem:
        outcome.problems.append(problem)
        return outcome
    try:
        line, cells = next(_records(text), (1, None))
        at = _header(line, cells) if cells else Problem(1, [
            f"The file is empty: its first line must name the columns {', '.join(COLUMNS)}."])
        if isinstance(at, Problem):
            outcome.problems.append(at)
            return outcome
        given = set()
        for _, cells in islice(_records(text), 1, None):
            outcome.rows += 1
            if len(cells) == len(at):
                given.add(unquote(cells[at["slug"]]).strip().lower())
    except _Unreadable as error:
        outcome.problems.append(error.args[0])
        return outcome
    if not outcome.rows:
        outcome.problems.append(Problem(line + 1, ["No products follow the header."]))
        return outcome
    checker, rows, done = RowChecker(at, given), islice(_records(text), 1, None), 0
    while chunk := list(islice(rows, BATCH)):
        planned = checker.batch(chunk, outcome, lock=writer is not None)
        if writer is not None and not outcome.problems:
            writer.write(*planned, checker.category_names)
        done += len(chunk)
        if done // PROGRESS_EVERY > (done - len(chunk)) // PROGRESS_EVERY or done == outcome.rows:
            yield Progress("written" if writer and not outcome.problems else "checked", done,
                           outcome.rows)
    outcome.problems.sort(key=lambda problem: problem.line)
    return outcome
