"""Encrypted backups (issue 10): a round trip brings back every row, a damaged, cut, altered or
foreign file or the wrong key is refused and writes nothing, only an empty database is
restored into, and the file holds nothing readable. Runs on the suite's database (SQLite, or
PostgreSQL under scripts/with-postgres)."""
import os
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import threading
from contextlib import closing, contextmanager
from io import BytesIO
from pathlib import Path
from urllib.parse import urlparse

import psycopg
import pytest

from storefront import schema
from storefront.catalogue.models import Category
from storefront.db import open_database
from storefront.ops import backup, envelope
from storefront.ops.envelope import BackupError
from storefront.privacy import consent
from storefront.privacy.models import ConsentEvent

from tests.factories import add_to_cart, checkout, make_customer, make_product

STOREFRONT = str(Path(sys.executable).with_name("storefront"))
TABLES = [model._meta.table_name for model in schema.all_models()] + ["schema_migration"]


def _connect(url):
    """A plain DB-API connection (not the app's) to the database at url."""
    if url.startswith("sqlite"):
        return sqlite3.connect(urlparse(url).path[1:])
    return psycopg.connect(url, autocommit=True)


def _table_rows(url):
    with closing(_connect(url)) as connection:
        return {table: sorted(connection.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)
                for table in TABLES}


def _table_names(url):
    if url.startswith("sqlite"):
        if not Path(urlparse(url).path[1:]).exists():
            return []
        query = "SELECT name FROM sqlite_master WHERE type = 'table'"
    else:
        query = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
    with closing(_connect(url)) as connection:
        return [row[0] for row in connection.execute(query)]


@pytest.fixture
def keys(tmp_path):
    """The operator's key pair: (secret key, public key)."""
    public, _ = envelope.generate_keys(tmp_path / "backup.key")
    return envelope.read_key(tmp_path / "backup.key"), envelope.read_key(public)


@pytest.fixture
def empty_url(database_url, tmp_path):
    """A new, empty database of the suite's kind, on the same server for PostgreSQL."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored' / 'shop.db'}"
        return
    name = f"restored_{secrets.token_hex(4)}"
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield urlparse(database_url)._replace(path=f"/{name}").geturl()
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """The scratch folder the backup is given, to prove nothing is left behind in it; the
    host's temporary folder (tempfile's) is another, which must stay empty."""
    host_tmp = tmp_path / "host-tmp"
    host_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(host_tmp))
    yield tmp_path / "scratch"
    assert list(host_tmp.iterdir()) == []


@pytest.fixture
def shop(app, client, db, processor):
    """Customers with consents (and the mail confirming them), and an order placed through
    checkout with the processor."""
    with app.app_context():
        ada = make_customer(consents={consent.SHOP_MARKETING: True,
                                      consent.PARTNER_OFFERS: True})
    make_customer(name="Bea Buyer", email="bea@example.com")
    consent.record(consent.PARTNER_OFFERS, False, "account", customer_id=ada.id,
                   address=ada.email)
    add_to_cart(client, make_product(name="Brass Lamp", price_cents=4250, stock=5), 2)
    assert checkout(client).status_code == 302
    return ada


def test_a_backup_restores_every_table_row_for_row(database_url, shop, keys, empty_url,
                                                   tmp_path, scratch):
    before = _table_rows(database_url)
    for table in ("customer", "address", "customer_order", "order_line", "payment",
                  "consent_event", "outbox_message", "product", "schema_migration"):
        assert before[table], f"the shop has no {table} rows: the test would prove little"
    secret, public = keys
    made = backup.create(database_url, public, tmp_path / "shop.backup", scratch,
                         chunk_size=4096)
    assert made.size == (tmp_path / "shop.backup").stat().st_size > 10 * 4096
    restored = backup.restore(empty_url, secret, tmp_path / "shop.backup", scratch)
    assert restored.key_id == made.key_id
    assert _table_rows(empty_url) == before
    assert list(scratch.iterdir()) == []
    # The restored shop goes on: a new row gets a new id (PostgreSQL's sequences came too).
    with _opened(empty_url) as restored, restored.bind_ctx([Category]):
        assert Category.create(name="New", slug="new").id > max(row[0] for row in
                                                                 before["category"])


def test_a_migrated_but_empty_database_is_restored_into(database_url, shop, keys, empty_url,
                                                        tmp_path, scratch):
    """`storefront migrate` leaves rows only in the migrations' history: that counts as
    empty, and the backup's history replaces it."""
    _make_parent(empty_url)
    with _opened(empty_url) as target:
        schema.migrate(target)
    assert backup.tables_with_rows(empty_url) == []
    before = _table_rows(database_url)
    backup.create(database_url, keys[1], tmp_path / "shop.backup", scratch)
    backup.restore(empty_url, keys[0], tmp_path / "shop.backup", scratch)
    assert _table_rows(empty_url) == before


def test_the_command_line_keys_backs_up_and_restores_and_the_file_reads_as_noise(
        database_url, shop, empty_url, tmp_path):
    key = tmp_path / "operator" / "backup.key"
    key.parent.mkdir()
    made = _storefront("backup", "keygen", "--key-file", key)
    assert made.returncode == 0, made.stderr
    assert (key.stat().st_mode & 0o777, Path(f"{key}.pub").stat().st_mode & 0o777) == \
        (0o600, 0o644)
    secret = key.read_bytes()
    again = _storefront("backup", "keygen", "--key-file", key)
    assert again.returncode == 1 and "never overwritten" in again.stderr
    assert key.read_bytes() == secret

    out = tmp_path / "nightly.backup"
    # The secret key has no business on the machine that makes backups.
    with_secret = _storefront("backup", "create", "--key-file", key, "--out", out,
                              DATABASE_URL=database_url)
    assert with_secret.returncode == 1 and f"{key} is the secret key" in with_secret.stderr
    assert not out.exists()
    instance = tmp_path / "instance"
    created = _storefront("backup", "create", "--key-file", f"{key}.pub", "--out", out,
                          DATABASE_URL=database_url, STOREFRONT_INSTANCE=str(instance))
    assert created.returncode == 0, created.stderr
    assert f"backup written to {out}" in created.stdout
    # Its scratch folder is the instance's, private, and left empty.
    assert (instance / "backup-scratch").stat().st_mode & 0o777 == 0o700
    assert list((instance / "backup-scratch").iterdir()) == []
    sealed = out.read_bytes()
    for plain in (b"ada@example.com", b"Ada Shopper", b"bea@example.com", b"1 Main Street",
                  b"Brass Lamp", b"Springfield", b"CREATE TABLE", b"SQLite format"):
        assert plain not in sealed and plain.upper() not in sealed
    assert "ada@example.com".encode("utf-16-le") not in sealed

    with_public = _storefront("backup", "restore", "--key-file", f"{key}.pub", "--in", out,
                              DATABASE_URL=empty_url)
    assert with_public.returncode == 1 and "needs the secret key" in with_public.stderr
    # Like ssh, a secret key that other users can read is refused.
    key.chmod(0o644)
    readable = _storefront("backup", "restore", "--key-file", key, "--in", out,
                           DATABASE_URL=empty_url)
    assert readable.returncode == 1 and "can be read by other users" in readable.stderr
    assert _table_names(empty_url) == []
    key.chmod(0o600)
    mine = tmp_path / "my-scratch"
    restored = _storefront("backup", "restore", "--key-file", key, "--in", out,
                           "--scratch-dir", mine, DATABASE_URL=empty_url)
    assert restored.returncode == 0, restored.stderr
    assert _table_rows(empty_url) == _table_rows(database_url)
    assert mine.stat().st_mode & 0o777 == 0o700 and list(mine.iterdir()) == []


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660, 0o700], ids=oct)
def test_a_secret_key_only_its_owner_can_read_is_accepted(tmp_path, mode):
    key = tmp_path / "backup.key"
    envelope.generate_keys(key)
    assert isinstance(envelope.read_secret_key(key), type(envelope.read_key(key)))
    key.chmod(mode)
    if mode & 0o077:
        with pytest.raises(BackupError, match=f"mode {mode:o}.*chmod 600"):
            envelope.read_secret_key(key)
    else:
        envelope.read_secret_key(key)
    with pytest.raises(BackupError, match="is the secret key"):
        envelope.read_public_key(key)
    with pytest.raises(BackupError, match="needs the secret key"):
        envelope.read_secret_key(f"{key}.pub")


def test_the_plaintext_goes_only_to_a_private_directory_in_the_scratch_folder(
        database_url, db, keys, empty_url, tmp_path, monkeypatch, scratch):
    make_customer()
    seen = []
    real_unseal, real_snapshot = backup.unseal, backup._sqlite_snapshot

    def where(path):
        seen.append((path.parent.parent, path.parent.stat().st_mode & 0o777))

    def unseal(stream, sink, *args):
        where(Path(sink.name))
        return real_unseal(stream, sink, *args)

    def snapshot(path, copy):
        where(Path(copy))
        return real_snapshot(path, copy)

    monkeypatch.setattr(backup, "unseal", unseal)
    monkeypatch.setattr(backup, "_sqlite_snapshot", snapshot)
    backup.create(database_url, keys[1], tmp_path / "shop.backup", scratch)
    backup.restore(empty_url, keys[0], tmp_path / "shop.backup", scratch)
    # A SQLite snapshot and every restore; pg_dump's output is sealed as it streams.
    assert seen == [(scratch, 0o700)] * (2 if database_url.startswith("sqlite") else 1)
    assert scratch.stat().st_mode & 0o777 == 0o700 and list(scratch.iterdir()) == []


def test_a_damaged_cut_altered_or_foreign_file_or_a_wrong_key_writes_nothing(
        database_url, db, keys, empty_url, tmp_path, scratch):
    make_customer()
    secret, public = keys
    good = tmp_path / "shop.backup"
    backup.create(database_url, public, good, scratch, chunk_size=1024)
    sealed = good.read_bytes()
    header = len(envelope.read_header(BytesIO(sealed)).raw)
    chunk = 1024 + envelope.TAG
    last = (len(sealed) - header) % chunk or chunk
    assert (len(sealed) - header) // chunk > 5

    def flipped(at):
        return sealed[:at] + bytes([sealed[at] ^ 0x01]) + sealed[at + 1:]

    damaged = {f"byte {at} flipped": flipped(at) for at in
               [*range(header), *range(header, len(sealed), len(sealed) // 40), len(sealed) - 1]}
    damaged |= {
        "last byte cut": sealed[:-1],
        "last chunk dropped": sealed[:-last],
        "only the header": sealed[:header],
        "half the header": sealed[:header // 2],
        "empty file": b"",
        "bytes appended": sealed + bytes(16),
        "a chunk appended": sealed + sealed[header:header + chunk],
        "chunks 1 and 2 swapped": sealed[:header] + sealed[header + chunk:header + 2 * chunk]
        + sealed[header:header + chunk] + sealed[header + 2 * chunk:],
        "a SQLite file": _sqlite_file(tmp_path / "plain.db"),
        "random bytes": os.urandom(len(sealed)),
        "a newer format": sealed[:8] + bytes([envelope.VERSION + 1]) + sealed[9:],
    }
    for case, content in damaged.items():
        (tmp_path / "bad.backup").write_bytes(content)
        with pytest.raises(BackupError) as refused:
            backup.restore(empty_url, secret, tmp_path / "bad.backup", scratch)
        assert str(refused.value), case
        if case.startswith("byte ") and int(case.split()[1]) >= header or "chunk" in case \
                or "cut" in case or "appended" in case:
            assert "damaged, cut short or was altered" in str(refused.value), case
    for content, message in ((damaged["a SQLite file"], "not a storefront backup file"),
                             (damaged["a newer format"], "in format 2; this storefront reads")):
        (tmp_path / "bad.backup").write_bytes(content)
        with pytest.raises(BackupError, match=message):
            backup.restore(empty_url, secret, tmp_path / "bad.backup", scratch)

    envelope.generate_keys(tmp_path / "other.key")
    with pytest.raises(BackupError, match="sealed for key"):
        backup.restore(empty_url, envelope.read_key(tmp_path / "other.key"), good, scratch)
    (tmp_path / "not-a-key").write_bytes(os.urandom(32))
    with pytest.raises(BackupError, match="not a storefront backup key file"):
        envelope.read_key(tmp_path / "not-a-key")

    assert _table_names(empty_url) == [] and list(scratch.iterdir()) == []
    backup.restore(empty_url, secret, good, scratch)  # the intact file, for contrast
    assert _table_names(empty_url)


def test_a_backup_of_the_other_kind_of_database_is_refused(database_url, keys, empty_url,
                                                           tmp_path, scratch):
    other = envelope.POSTGRESQL if database_url.startswith("sqlite") else envelope.SQLITE
    with open(tmp_path / "other.backup", "wb") as sink:
        envelope.seal(BytesIO(b"PGDMP or SQLite"), sink, keys[1], other)
    with pytest.raises(BackupError, match=f"a backup of a {envelope.KINDS[other]} database"):
        backup.restore(empty_url, keys[0], tmp_path / "other.backup", scratch)
    assert _table_names(empty_url) == []


def test_restoring_into_a_database_with_rows_is_refused(database_url, db, keys, empty_url,
                                                        tmp_path, scratch):
    make_customer()
    backup.create(database_url, keys[1], tmp_path / "shop.backup", scratch)
    before = _table_rows(database_url)
    with pytest.raises(BackupError, match=r"not empty \(.*customer.*have rows\)"):
        backup.restore(database_url, keys[0], tmp_path / "shop.backup", scratch)
    assert _table_rows(database_url) == before
    # A database holding one row anywhere is not empty either.
    _make_parent(empty_url)
    with closing(_connect(empty_url)) as connection:
        connection.execute("CREATE TABLE notes (body TEXT)")
        connection.execute("INSERT INTO notes VALUES ('keep me')")
        connection.commit()
    with pytest.raises(BackupError, match=r"not empty \(.*notes have rows\)"):
        backup.restore(empty_url, keys[0], tmp_path / "shop.backup", scratch)
    assert _table_names(empty_url) == ["notes"]


def test_a_backup_taken_while_the_shop_writes_is_consistent(database_url, db, keys, empty_url,
                                                            tmp_path, scratch):
    """Each of the writer's transactions adds two events: a snapshot holds both or neither."""
    stop, written = threading.Event(), threading.Event()

    def shop_writes():
        with db.connection_context():
            while not stop.is_set():
                with db.atomic():
                    consent.record(consent.SHOP_MARKETING, True, "optout_form",
                                   address="pair@example.com")
                    consent.record(consent.SITE_UPDATES, True, "optout_form",
                                   address="pair@example.com")
                if ConsentEvent.select().count() >= 40:
                    written.set()

    writer = threading.Thread(target=shop_writes)
    writer.start()
    try:
        assert written.wait(30)
        backup.create(database_url, keys[1], tmp_path / "busy.backup", scratch)
    finally:
        stop.set()
        writer.join()
    backup.restore(empty_url, keys[0], tmp_path / "busy.backup", scratch)
    with closing(_connect(empty_url)) as connection:
        restored = connection.execute("SELECT COUNT(*) FROM consent_event").fetchone()[0]
    assert restored >= 40 and restored % 2 == 0
    assert restored <= ConsentEvent.select().count()


def test_a_failed_backup_leaves_no_file(database_url, keys, tmp_path, scratch):
    if database_url.startswith("sqlite"):
        missing = f"sqlite:///{tmp_path / 'missing.db'}"
    else:
        missing = urlparse(database_url)._replace(path="/no_such_database").geturl()
    (tmp_path / "out").mkdir()
    with pytest.raises(BackupError, match="no SQLite database|pg_dump failed"):
        backup.create(missing, keys[1], tmp_path / "out" / "shop.backup", scratch)
    assert list((tmp_path / "out").iterdir()) == [] and list(scratch.iterdir()) == []
    (tmp_path / "out" / "taken.backup").write_bytes(b"an older backup")
    with pytest.raises(BackupError, match="already exists"):
        backup.create(database_url, keys[1], tmp_path / "out" / "taken.backup", scratch)
    assert (tmp_path / "out" / "taken.backup").read_bytes() == b"an older backup"


def test_the_backup_code_cannot_be_pointed_at_the_card_key(processor):
    """Backups are opened with the operator's own key pair, in a format of its own: the
    payment company's key files are refused, and the backup code never imports the processor
    nor reads a PEM or DER private key (the processor's format)."""
    for name in ("private.pem", "public.pem"):
        with pytest.raises(BackupError, match="not a storefront backup key file"):
            envelope.read_key(processor.keys_dir / name)
    for module in (envelope, backup):
        source = Path(module.__file__).read_text()
        for word in ("storefront.processor", "load_pem", "load_der", "PROCESSOR"):
            assert word not in source, (module.__name__, word)


def _storefront(*args, **environment):
    return subprocess.run([STOREFRONT, *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, **environment}, timeout=120)


def _make_parent(url):
    """The folder of a SQLite database file (restore makes it; the tests' own connections
    do not)."""
    if url.startswith("sqlite"):
        Path(urlparse(url).path[1:]).parent.mkdir(exist_ok=True)


@contextmanager
def _opened(url):
    """A database of our own at url (not the app's), closed afterwards."""
    database = open_database(url)
    try:
        yield database
    finally:
        getattr(database, "close_all", database.close)()


def _sqlite_file(path):
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("CREATE TABLE customer (email TEXT)")
        connection.execute("INSERT INTO customer VALUES ('ada@example.com')")
        connection.commit()
    return path.read_bytes()
