"""Shared fixtures: one migrated database per run (SQLite, or PostgreSQL when
STOREFRONT_TEST_DATABASE_URL is set), emptied after every test."""
import os
import tempfile

import pytest

pytest_plugins = ["tests.sandbox", "tests.smtp"]

# Keep generated keys and media out of the project's instance/ folder.
os.environ.setdefault("STOREFRONT_INSTANCE", tempfile.mkdtemp(prefix="storefront-test-"))
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")

from storefront import create_app, schema  # noqa: E402
from storefront.web import memo  # noqa: E402
from storefront.db import database, release_connections  # noqa: E402
from tests.factories import *  # noqa: E402,F401,F403 (factories are importable from here too)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("STOREFRONT_TEST_DATABASE_URL")
    return url or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app(database_url):
    application = create_app({"DATABASE_URL": database_url, "TESTING": True,
                              "CACHE_SECONDS": 0})
    with database.connection_context():
        for model in reversed(schema.all_models()):
            model.drop_table(safe=True, cascade=not database_url.startswith("sqlite"))
        database.execute_sql("DROP TABLE IF EXISTS schema_migration")
        schema.migrate(database.obj)
    yield application
    release_connections()


@pytest.fixture(autouse=True)
def empty_database(app):
    """Every test starts from empty tables."""
    yield
    memo.clear_all()
    with database.connection_context():
        with database.atomic():
            for model in reversed(schema.all_models()):
                # Raw SQL: append-only models refuse delete() on purpose.
                database.execute_sql(f'DELETE FROM "{model._meta.table_name}"')


@pytest.fixture
def db(app):
    """The database, for tests that use models directly (peewee connects on demand; a
    request made by the test client closes the connection, and the next query reopens it).
    No app context is pushed: requests would share its `g`, and so flask-login's user."""
    yield database
    if not database.is_closed():
        database.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
