"""/healthz: 200 when the database answers and the schema is migrated, 503 naming the failed
check otherwise; nothing else in it, and never a page view."""
from storefront import schema
from storefront.db import database, open_database
from storefront.tracking.models import PageView, Visitor
from storefront.web import memo

from tests.sandbox import free_port

HEALTHY = {"status": "ok", "checks": {"database": "ok", "migrations": "ok"}}


def test_a_migrated_shop_with_its_database_is_healthy_and_says_nothing_more(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == HEALTHY  # no version, no setting, no library
    assert response.headers["Cache-Control"] == "no-store"


def test_the_health_check_is_no_visit(client, db):
    client.get("/")  # the browser now keeps a visitor cookie
    before = list(Visitor.select().dicts()), PageView.select().count()
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert (list(Visitor.select().dicts()), PageView.select().count()) == before


def test_a_pending_migration_fails_the_check_once_the_short_cache_expires(client, db):
    runner = schema.runner(database.obj)
    last = runner.History.select().order_by(runner.History.name.desc()).get()
    assert client.get("/healthz").status_code == 200
    last.delete_instance()
    try:
        # Cheap: the migration check is remembered a few seconds, not redone every call.
        assert client.get("/healthz").status_code == 200
        memo.clear_all()  # as if those seconds had passed
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.get_json() == {"status": "failing",
                                       "checks": {"database": "ok", "migrations": "1 pending"}}
    finally:
        runner.History.create(name=last.name, applied=last.applied)
        memo.clear_all()
    assert client.get("/healthz").get_json() == HEALTHY


def test_an_unreachable_database_fails_the_check(client, db):
    working = database.obj
    # A PostgreSQL server that is not there: the connection is refused at once.
    database.initialize(open_database(f"postgresql://shop@127.0.0.1:{free_port()}/shop"))
    try:
        response = client.get("/healthz")
    finally:
        database.initialize(working)
    assert response.status_code == 503
    assert response.get_json() == {"status": "failing",
                                   "checks": {"database": "unreachable", "migrations": "unknown"}}
    assert client.get("/healthz").status_code == 200
