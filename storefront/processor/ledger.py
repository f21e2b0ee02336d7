"""The sandbox's authorizations, in a SQLite file beside its keys (never a card number or CVV).

Rules: one authorization per order reference; captures (one per shipment, each with its own
reference: the same reference again changes nothing) up to the authorized amount in all; a void
releases what was not captured; refunds, several if need be, up to what was captured.
`void_reference` also leaves a voided placeholder when nothing is authorized yet, so an
authorization that arrives after the shop gave up on it is refused instead of kept.
"""
import secrets
import sqlite3
from contextlib import closing, contextmanager
from datetime import UTC, datetime

SCHEMA = """
CREATE TABLE IF NOT EXISTS authorizations (
    id TEXT PRIMARY KEY,
    order_reference TEXT NOT NULL UNIQUE,
    amount_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    captured_cents INTEGER NOT NULL DEFAULT 0,
    refunded_cents INTEGER NOT NULL DEFAULT 0,
    brand TEXT,
    last_four TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS captures (
    authorization_id TEXT NOT NULL,
    reference TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    PRIMARY KEY (authorization_id, reference)
)
"""


class Refusal(Exception):
    """A request the sandbox turns down: an HTTP status, a code and a message."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class Ledger:
    """Authorizations and their state changes, each change in its own write transaction."""

    def __init__(self, path):
        self.path = str(path)
        with self._transaction() as connection:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    connection.execute(statement)

    @contextmanager
    def _transaction(self):
        """A connection inside BEGIN IMMEDIATE, so concurrent changes to one row queue up."""
        with closing(sqlite3.connect(self.path, timeout=10, isolation_level=None)) as connection:
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    @staticmethod
    def _by_reference(connection, order_reference):
        return connection.execute("SELECT * FROM authorizations WHERE order_reference = ?",
                                  (order_reference,)).fetchone()

    @staticmethod
    def _repeat(row, amount_cents, currency):
        """The earlier authorization for a repeated reference, or the reason to refuse it."""
        if row["status"] == "voided":
            raise Refusal(409, "order_reference_voided",
                          "This order reference was voided; use a new one.")
        if (row["amount_cents"], row["currency"]) != (amount_cents, currency):
            raise Refusal(409, "order_reference_conflict",
                          "This order reference was authorized for a different amount.")
        return dict(row)

    def earlier(self, order_reference, amount_cents, currency):
        """The authorization already made for this reference (None when there is none)."""
        with self._transaction() as connection:
            row = self._by_reference(connection, order_reference)
            return None if row is None else self._repeat(row, amount_cents, currency)

    def authorize(self, order_reference, amount_cents, currency, brand, last_four):
        """Record an approval; return (authorization, created)."""
        with self._transaction() as connection:
            row = self._by_reference(connection, order_reference)
            if row is not None:
                return self._repeat(row, amount_cents, currency), False
            authorization_id = "auth_" + secrets.token_hex(12)
            connection.execute(
                "INSERT INTO authorizations (id, order_reference, amount_cents, currency, status,"
                " brand, last_four, created_at) VALUES (?, ?, ?, ?, 'authorized', ?, ?, ?)",
                (authorization_id, order_reference, amount_cents, currency, brand, last_four,
                 datetime.now(UTC).isoformat(timespec="seconds")))
            return dict(self._get(connection, authorization_id)), True

    @staticmethod
    def _get(connection, authorization_id):
        row = connection.execute("SELECT * FROM authorizations WHERE id = ?",
                                 (authorization_id,)).fetchone()
        if row is None:
            raise Refusal(404, "not_found", "No such authorization.")
        return row

    def _change(self, authorization_id, rule, capture_reference=None, captured_cents=0):
        """Apply rule(row) -> column updates to one authorization; return it afterwards."""
        with self._transaction() as connection:
            updates = rule(self._get(connection, authorization_id))
            if updates:
                columns = ", ".join(f"{column} = ?" for column in updates)
                connection.execute(f"UPDATE authorizations SET {columns} WHERE id = ?",
                                   (*updates.values(), authorization_id))
            if capture_reference is not None:
                try:
                    connection.execute("INSERT INTO captures VALUES (?, ?, ?)",
                                       (authorization_id, capture_reference, captured_cents))
                except sqlite3.IntegrityError:  # the same reference at the same moment
                    raise Refusal(409, "reference_conflict",
                                  "This capture reference is being used already.") from None
            return dict(self._get(connection, authorization_id))

    def state(self, authorization_id):
        """An authorization as it stands."""
        with self._transaction() as connection:
            return dict(self._get(connection, authorization_id))

    def capture(self, authorization_id, amount_cents, reference=None):
        """Capture part of an authorization (one capture per shipment), up to its amount in
        all; it is "captured" once nothing is left to capture. A reference seen before
        (the shop asking again after a lost answer) captures nothing more."""
        if reference is not None:
            with self._transaction() as connection:
                seen = connection.execute(
                    "SELECT amount_cents FROM captures WHERE authorization_id = ? AND "
                    "reference = ?", (authorization_id, reference)).fetchone()
                if seen is not None:
                    if seen["amount_cents"] != amount_cents:
                        raise Refusal(409, "reference_conflict",
                                      "This capture reference was used for another capture.")
                    return dict(self._get(connection, authorization_id))

        def rule(row):
            if row["status"] not in ("authorized", "partially_captured"):
                raise Refusal(409, "invalid_state", f"Cannot capture: it is {row['status']}.")
            captured = row["captured_cents"] + amount_cents
            if captured > row["amount_cents"]:
                raise Refusal(400, "amount_too_large",
                              "Cannot capture more than was authorized.")
            status = "captured" if captured == row["amount_cents"] else "partially_captured"
            return {"status": status, "captured_cents": captured}
        return self._change(authorization_id, rule, reference, amount_cents)

    def void(self, authorization_id):
        """Release what was not captured: all of it ("voided"), or the rest after partial
        captures ("captured"). Voiding twice changes nothing."""
        def rule(row):
            if row["status"] == "voided":
                return {}
            if row["status"] == "partially_captured":
                return {"status": "captured"}
            if row["status"] != "authorized":
                raise Refusal(409, "invalid_state", f"Cannot void: it is {row['status']}.")
            return {"status": "voided"}
        return self._change(authorization_id, rule)

    def refund(self, authorization_id, amount_cents):
        """Refund part or all of what was captured and not yet refunded."""
        def rule(row):
            if row["status"] not in ("captured", "partially_refunded"):  # after the last capture
                raise Refusal(409, "invalid_state", f"Cannot refund: it is {row['status']}.")
            refunded = row["refunded_cents"] + amount_cents
            if refunded > row["captured_cents"]:
                raise Refusal(400, "amount_too_large",
                              "Cannot refund more than was captured and not yet refunded.")
            status = "refunded" if refunded == row["captured_cents"] else "partially_refunded"
            return {"status": status, "refunded_cents": refunded}
        return self._change(authorization_id, rule)

    def void_reference(self, order_reference):
        """Void what this reference authorized, or bar the reference; True when one was voided."""
        with self._transaction() as connection:
            row = self._by_reference(connection, order_reference)
            if row is None:
                connection.execute(
                    "INSERT INTO authorizations (id, order_reference, amount_cents, currency,"
                    " status, created_at) VALUES (?, ?, 0, '', 'voided', ?)",
                    ("auth_" + secrets.token_hex(12), order_reference,
                     datetime.now(UTC).isoformat(timespec="seconds")))
                return False
            if row["status"] == "voided":
                return False
            if row["status"] != "authorized":
                raise Refusal(409, "invalid_state", f"Cannot void: it is {row['status']}.")
            connection.execute("UPDATE authorizations SET status = 'voided' WHERE id = ?",
                               (row["id"],))
            return True
