"""Endpoints for operators and their machines: /healthz for a load balancer, /metrics for
Prometheus.

/healthz answers 200 when the database answers and every migration in migrations/ has been
applied, 503 naming the check that failed otherwise; it tells nothing else (no versions, no
settings). It is cheap: one SELECT 1, and the migration check (the runner's list of files
against its table of applied names) at most every MIGRATION_CHECK_SECONDS per process.

/metrics is for operators only: it answers a request carrying METRICS_TOKEN as a bearer
token, and, when no proxy is configured (PROXY_COUNT 0), one made on the server itself
(loopback, with no header saying a proxy relayed it).

Both are answered before the app's other before_request hooks, some of which read the
database (the co-brand, the visitor's record): /healthz can then say the database is down
instead of failing in one of them, and neither is a visit to track.
"""
import hmac
import ipaddress

from flask import Blueprint, abort, current_app, jsonify, request
from peewee import SQL, Case, PeeweeException, fn

from storefront import schema
from storefront.db import database
from storefront.mail.models import OutboxMessage
from storefront.ops import metrics
from storefront.web.memo import TimedCache

bp = Blueprint("ops", __name__)

OPERATOR_ENDPOINTS = frozenset({"ops.healthz", "ops.metrics"})
# A proxy nobody declared (PROXY_COUNT 0) but that says it relayed the request.
RELAY_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")
MIGRATION_CHECK_SECONDS = 10
_migrations = TimedCache(max_entries=1)


def pending_migrations():
    """Names of the migration files not applied yet, as the schema runner sees them."""
    return [m.name for m in schema.runner(database.obj).status()
            if m.path is not None and m.applied is None]


def health():
    """{check: outcome} for the database and the migrations, and whether all passed."""
    try:
        database.execute_sql("SELECT 1")
    except PeeweeException:
        return False, {"database": "unreachable", "migrations": "unknown"}
    try:
        pending = _migrations.get("pending", MIGRATION_CHECK_SECONDS, pending_migrations)
    except PeeweeException:
        return False, {"database": "ok", "migrations": "unknown"}
    if pending:
        return False, {"database": "ok", "migrations": f"{len(pending)} pending"}
    return True, {"database": "ok", "migrations": "ok"}


def outbox_counts():
    """The outbox figures /metrics shows: rows waiting, being sent and failed, and the waiting
    ones that already failed once (only the few unfinished rows are counted, never the sent);
    None when the database does not answer."""
    figures = dict.fromkeys(("pending", "sending", "failed", "retrying"), 0)
    unfinished = (OutboxMessage.PENDING, OutboxMessage.SENDING, OutboxMessage.FAILED)
    retrying = fn.SUM(Case(None, [((OutboxMessage.status == OutboxMessage.PENDING)
                                   & (OutboxMessage.attempts > 0), 1)], 0))
    rows = (OutboxMessage.select(OutboxMessage.status, fn.COUNT(SQL("*")).alias("n"),
                                 retrying.alias("retrying"))
            .where(OutboxMessage.status.in_(unfinished)).group_by(OutboxMessage.status))
    try:
        for row in rows:
            figures[row.status] = row.n
            figures["retrying"] += row.retrying or 0
    except PeeweeException:
        return None
    return figures


def _is_operator():
    """With the bearer token; without it, only on the server itself when no proxy stands in
    front (PROXY_COUNT 0): behind a proxy every request may come from loopback, whatever
    headers the proxy does or does not add, so the token is then the only way in."""
    config = current_app.config
    token = config["METRICS_TOKEN"]
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer" and \
            hmac.compare_digest(given.strip().encode(), token.encode()):
        return True
    if config["PROXY_COUNT"]:
        return False
    relayed = any(name in request.headers for name in RELAY_HEADERS)
    try:
        return not relayed and ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


@bp.get("/healthz")
def healthz():
    """200 when the shop can serve, 503 with the check that failed."""
    ok, checks = health()
    response = jsonify(status="ok" if ok else "failing", checks=checks)
    response.status_code = 200 if ok else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/metrics", endpoint="metrics")
def metrics_page():
    """The figures in Prometheus's text format, for operators only."""
    if not _is_operator():
        abort(403)
    response = current_app.response_class(metrics.exposition(outbox_counts()),
                                          mimetype=None, content_type=metrics.CONTENT_TYPE)
    response.headers["Cache-Control"] = "no-store"
    return response


def answer_early():
    """Before the other hooks: the operators' endpoints are answered here."""
    if request.endpoint in OPERATOR_ENDPOINTS:
        return current_app.view_functions[request.endpoint]()
    return None


def init_app(app):
    """Install the endpoints and what the metrics count; call it before the hooks they must
    not wait for."""
    metrics.init_app(app)
    app.before_request(answer_early)
    app.register_blueprint(bp)
