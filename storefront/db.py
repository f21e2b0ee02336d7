"""The database: one proxy bound at start-up, a connection per request, a shared BaseModel.

SQLite is the embedded default and PostgreSQL the production database; everything
specific to either lives here so the rest of the code stays portable.
"""
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlparse

from peewee import DatabaseProxy, Model, SqliteDatabase
from playhouse.pool import PooledPostgresqlDatabase

database = DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "busy_timeout": 10000,
    "foreign_keys": 1,
    "synchronous": "normal",
    "cache_size": -16000,
}


def utcnow():
    """Naive UTC timestamp, the one form every database stores the same way."""
    return datetime.now(UTC).replace(tzinfo=None)


class BaseModel(Model):
    """Every model's base: bound to the proxy, snake_case table names."""

    class Meta:
        database = database
        legacy_table_names = False


def open_database(url):
    """Make a peewee database from DATABASE_URL (sqlite:///path or postgresql://...)."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = parsed.path[1:]  # sqlite:///relative/path or sqlite:////absolute/path
        # Write transactions take the lock at BEGIN, so two gunicorn workers never
        # deadlock upgrading read locks ("database is locked").
        return SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE",
                              timeout=10, check_same_thread=False)
    if parsed.scheme in ("postgres", "postgresql", "postgresql+pool", "postgres+pool"):
        options = dict(parse_qsl(parsed.query))
        return PooledPostgresqlDatabase(
            parsed.path.lstrip("/"), host=parsed.hostname, port=parsed.port or 5432,
            user=parsed.username, password=parsed.password,
            max_connections=int(options.pop("max_connections", 16)),
            stale_timeout=300, timeout=10, **options)
    raise ValueError(f"unsupported DATABASE_URL scheme: {parsed.scheme!r}")


def is_sqlite():
    """True when the bound database is SQLite (for the few places that must know)."""
    return isinstance(database.obj, SqliteDatabase)


def init_app(app):
    """Bind the proxy to DATABASE_URL. A request connects on its first query (peewee's
    autoconnect), so a page served from cached fragments opens nothing.

    After the request a PostgreSQL connection goes back to the pool; a SQLite connection stays
    open for the worker's next request (opening one and setting its pragmas costs more than
    most pages' queries). No transaction is left open between requests either way.
    """
    release_connections()
    database.initialize(open_database(app.config["DATABASE_URL"]))

    @app.teardown_request
    def _release(exc):
        if not is_sqlite() and not database.is_closed():
            database.close()


def locked(query):
    """The query as SELECT ... FOR UPDATE where the database has row locks (PostgreSQL).

    SQLite needs none: write transactions begin IMMEDIATE, so they run one at a time.
    """
    return query if is_sqlite() else query.for_update()


def release_connections():
    """Close every pooled connection of the database bound so far (a new app replaces it)."""
    if database.obj is not None and hasattr(database.obj, "close_all"):
        database.obj.close_all()


def advance_id_sequence(model):
    """After inserting rows with explicit ids, move PostgreSQL's id sequence past them.

    SQLite needs nothing: its rowids continue from the largest id.
    """
    if is_sqlite():
        return
    table = model._meta.table_name
    database.execute_sql(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
        f"(SELECT COALESCE(MAX(id), 1) FROM {table}))")
