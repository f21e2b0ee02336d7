"""Backups of the shop's database that the company hosting it cannot read (issue 10).

`create` takes a consistent snapshot while the shop keeps running (SQLite through its online
backup API, PostgreSQL through pg_dump, which reads in one repeatable-read transaction) and
seals it for the operator's public key (ops.envelope): pg_dump's output streams straight into
the sealed file. `restore` opens and checks the whole file before it touches the database,
so a damaged, cut or altered file or the wrong key changes nothing, and it restores only into
an empty database.

The plaintext that must touch a disk (a SQLite snapshot being sealed, a backup being restored)
goes to a directory only this user can enter, made inside a scratch folder the caller names
(the command's default is under the instance folder, never the host's shared /tmp), and is
removed whatever happens but a kill; a killed run leaves its storefront-backup-* directory.
"""
import os
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlparse

import psycopg
from psycopg import sql

from storefront.ops.envelope import (CHUNK_SIZE, KINDS, POSTGRESQL, SQLITE, BackupError,
                                     check_key, key_id, read_header, seal, unseal)

# A freshly migrated database has rows only in the migrations' history; the restore replaces
# it with the backup's, and `storefront migrate` then applies what the backup lacks.
MIGRATIONS_TABLE = "schema_migration"
_POSTGRES_SCHEMES = ("postgres", "postgresql", "postgresql+pool", "postgres+pool")
# libpq's settings as environment variables: the password never appears on a command line.
_LIBPQ_ENVIRONMENT = {
    "host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD",
    "dbname": "PGDATABASE", "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY", "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
}


@dataclass(frozen=True)
class Outcome:
    kind: str  # "SQLite" or "PostgreSQL"
    size: int  # bytes of the backup file
    key_id: str


def create(database_url, key, out_path, scratch_root, chunk_size=CHUNK_SIZE):
    """Snapshot the database at database_url into a new sealed file at out_path for key
    (the public key). A failed backup leaves no file behind."""
    kind, out_path = _kind(database_url), Path(out_path)
    if out_path.exists():
        raise BackupError(f"{out_path} already exists: choose a new name")
    with _private_directory(scratch_root) as scratch, _new_file(out_path) as sink:
        if kind == SQLITE:
            copy = scratch / "snapshot.db"
            _sqlite_snapshot(_sqlite_path(database_url), copy)
            with open(copy, "rb") as source:
                seal(source, sink, key, SQLITE, chunk_size)
        else:
            _pg_dump_sealed(_pg_settings(database_url), sink, key, chunk_size, scratch)
    return Outcome(KINDS[kind], out_path.stat().st_size, key_id(key).hex())


def restore(database_url, secret, in_path, scratch_root):
    """Bring the backup at in_path back into the empty database at database_url, with the
    secret key. Every chunk is checked before the database is touched."""
    kind = _kind(database_url)
    try:
        stream = open(in_path, "rb")
    except OSError as error:
        raise BackupError(f"cannot read {in_path}: {error.strerror}") from None
    with stream, _private_directory(scratch_root) as scratch:
        header = read_header(stream)
        check_key(header, secret)
        if header.kind != kind:
            raise BackupError(f"this is a backup of a {KINDS[header.kind]} database and "
                              f"DATABASE_URL names a {KINDS[kind]} database")
        _refuse_unless_empty(database_url, kind)
        plaintext = scratch / "snapshot"
        with open(plaintext, "wb") as sink:
            unseal(stream, sink, secret, header)
        if kind == SQLITE:
            _sqlite_restore(plaintext, _sqlite_path(database_url))
        else:
            _pg_restore(plaintext, _pg_settings(database_url), scratch)
    return Outcome(KINDS[kind], Path(in_path).stat().st_size, header.key_id.hex())


def tables_with_rows(database_url):
    """The tables holding rows, the migrations' history aside (empty: may be restored into)."""
    if _kind(database_url) == SQLITE:
        path = Path(_sqlite_path(database_url))
        if not path.exists():
            return []
        with closing(sqlite3.connect(path, timeout=30)) as connection:
            names = [row[0] for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")]
            return [name for name in names if name != MIGRATIONS_TABLE and connection.execute(
                f'SELECT EXISTS (SELECT 1 FROM "{name.replace(chr(34), chr(34) * 2)}")'
            ).fetchone()[0]]
    with _pg_connect(_pg_settings(database_url)) as connection:
        tables = connection.execute(
            "SELECT schemaname, tablename FROM pg_tables WHERE schemaname NOT IN "
            "('pg_catalog', 'information_schema') ORDER BY 1, 2").fetchall()
        return [f"{schema}.{table}" for schema, table in tables if table != MIGRATIONS_TABLE
                and connection.execute(sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(
                    sql.Identifier(schema, table))).fetchone()[0]]


def _refuse_unless_empty(database_url, kind):
    full = tables_with_rows(database_url)
    if full:
        listed = ", ".join(full[:5]) + (f" and {len(full) - 5} more" if len(full) > 5 else "")
        raise BackupError(f"the {KINDS[kind]} database is not empty ({listed} have rows): a "
                          "backup is restored only into an empty database")


def _sqlite_snapshot(path, copy):
    if not Path(path).is_file():
        raise BackupError(f"there is no SQLite database at {path}")
    with closing(sqlite3.connect(path, timeout=30)) as source, \
            closing(sqlite3.connect(copy)) as target:
        # In one step (pages=-1) the copy is read inside one read transaction: a consistent
        # snapshot that, in WAL mode, never blocks the shop's writers. Copying in steps would
        # start again each time the shop writes.
        source.backup(target, pages=-1)
        target.execute("PRAGMA journal_mode = DELETE")  # the copy is one self-contained file


def _sqlite_restore(snapshot, path):
    try:
        with closing(sqlite3.connect(snapshot)) as source:
            if source.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise BackupError("the backup opened but does not hold a sound SQLite database")
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            with closing(sqlite3.connect(path, timeout=30)) as target:
                # The backup API replaces the target's pages in one transaction.
                source.backup(target, pages=-1)
    except sqlite3.DatabaseError as error:
        raise BackupError(f"the SQLite restore failed: {error}") from None


def _pg_dump_sealed(settings, sink, key, chunk_size, scratch):
    with open(scratch / "pg_dump.log", "w+b") as log:
        dump = subprocess.Popen([_tool("pg_dump"), "--format=custom", "--no-password"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log,
                                env=_pg_environment(settings))
        try:
            seal(dump.stdout, sink, key, POSTGRESQL, chunk_size)
        except BaseException:
            dump.kill()
            raise
        finally:
            dump.stdout.close()
            status = dump.wait()
        if status != 0:
            raise BackupError(f"pg_dump failed: {_tail(log)}")


def _pg_restore(dump, settings, scratch):
    # --clean --if-exists drops the (empty) tables a migrated database already has; one
    # transaction means a failure leaves the database as it was.
    command = [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
               "--single-transaction", "--exit-on-error", "--no-password",
               "--dbname", settings["dbname"], str(dump)]
    with open(scratch / "pg_restore.log", "w+b") as log:
        status = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                env=_pg_environment(settings)).returncode
        if status != 0:
            raise BackupError(f"pg_restore failed, nothing was changed: {_tail(log)}")


def _kind(database_url):
    scheme = urlparse(database_url).scheme
    if scheme == "sqlite":
        return SQLITE
    if scheme in _POSTGRES_SCHEMES:
        return POSTGRESQL
    raise BackupError(f"cannot back up a database of kind {scheme!r}")


def _sqlite_path(database_url):
    return urlparse(database_url).path[1:]  # as storefront.db.open_database reads it


def _pg_settings(database_url):
    """libpq settings from DATABASE_URL, read the way storefront.db.open_database reads it
    (the pool's own options dropped)."""
    parsed = urlparse(database_url)
    settings = {"host": parsed.hostname, "port": parsed.port, "user": parsed.username,
                "password": parsed.password, "dbname": parsed.path.lstrip("/"),
                **dict(parse_qsl(parsed.query))}
    return {name: str(value) for name, value in settings.items()
            if name in _LIBPQ_ENVIRONMENT and value is not None}


def _pg_environment(settings):
    return {**os.environ, **{_LIBPQ_ENVIRONMENT[name]: value for name, value in settings.items()}}


def _pg_connect(settings):
    try:
        return psycopg.connect(**settings, autocommit=True)
    except psycopg.OperationalError as error:
        raise BackupError(f"cannot connect to the database: {error}") from None


def _tool(name):
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return path


def _tail(log, lines=5):
    log.seek(0)
    return " / ".join(log.read().decode(errors="replace").strip().splitlines()[-lines:])


@contextmanager
def _private_directory(root):
    """A new directory in root (made 0700 when missing) that only this user can enter
    (mkdtemp makes it 0700), removed in all cases."""
    try:
        Path(root).mkdir(mode=0o700, parents=True, exist_ok=True)
        directory = tempfile.TemporaryDirectory(prefix="storefront-backup-", dir=root)
    except OSError as error:
        raise BackupError(f"cannot make a private scratch directory in {root}: "
                          f"{error.strerror}") from None
    with directory as name:
        yield Path(name)


@contextmanager
def _new_file(path):
    """Write to a temporary file next to path and move it into place only once complete and
    on disk; a failure removes it."""
    try:
        fd, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                       suffix=".partial")
    except OSError as error:
        raise BackupError(f"cannot write {path}: {error.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as sink:
            yield sink
            sink.flush()
            os.fsync(sink.fileno())
        if path.exists():
            raise BackupError(f"{path} appeared while the backup was written: choose a new name")
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
