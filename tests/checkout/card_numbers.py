"""Card numbers for tests that look for one where it must not be: a fresh number, the ways it
could be written, and everything the database holds as text."""
import json
import random
from pathlib import Path

from storefront import schema
from storefront.db import is_sqlite
from storefront.payments.cards import luhn_ok


def visa_number():
    """A random Luhn-valid Visa number the sandbox approves (no test card is special here)."""
    while True:
        digits = "4" + "".join(random.choice("0123456789") for _ in range(15))
        if luhn_ok(digits):
            return digits


def forms_of(digits):
    """The ways the number could be written: plain, in groups, and its hidden middle."""
    return [digits, " ".join(digits[i:i + 4] for i in range(0, 16, 4)), digits[1:12]]


def database_text(database_url):
    """Everything the database holds: the SQLite files byte for byte (WAL included), or on
    PostgreSQL every row of every table as text."""
    if is_sqlite():
        path = Path(database_url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*")) \
            .decode("latin-1")
    rows = []
    for model in schema.all_models():
        rows += [json.dumps(row, default=str) for row in model.select().dicts()]
    return "\n".join(rows)
