"""The request log (P8): one row per request served, for diagnosing a visitor's problems.

Every request is logged, staff pages included, except static files and images. A row holds
the time, the client's IP, method, path (never the query string, which can carry tokens),
status, duration and the visitor id. It is made in the teardown, which runs whatever
happened, so a view that raised is logged as the 500 it became. Rows go through the
buffered writer of the page-view log (clicklog.py). `storefront privacy purge` empties the
IPs, then deletes the rows, after their retention (privacy/retention.py).
"""
import time

from flask import current_app, g, request, request_started

from storefront.db import utcnow
from storefront.tracking.clicklog import request_log
from storefront.tracking.models import RequestLog
from storefront.web.params import client_ip
from storefront.web.visitor import visitor_is_kept

# Static files, product images and a theme's logos and styles.
# ops: a load balancer's health checks and the metrics scraper are not visitors.
UNLOGGED_ENDPOINTS = frozenset({"static", "catalogue.media", "cobrand.static", "ops.healthz",
                                "ops.metrics"})
IP_LENGTH, METHOD_LENGTH, PATH_LENGTH = (
    RequestLog.ip.max_length, RequestLog.method.max_length, RequestLog.path.max_length)


def start_clock(sender, **extra):
    """Note when the request started, before any before_request hook (they count too)."""
    g.request_started = time.perf_counter()


def note_response(response):
    """Keep the status and the visitor id (when the browser keeps it) for the teardown. An
    error page made after this, when a later hook failed, replaces them."""
    kept = g.get("visitor_id") and visitor_is_kept(response)
    g.request_outcome = (response.status_code, g.visitor_id if kept else "")
    return response


def write_row(exc):
    """Log the request; one that ended in an exception no handler answered is a 500.

    It runs on every request: the request and g are looked up once (through their proxies
    each attribute would cost a lookup)."""
    state, served = g._get_current_object(), request._get_current_object()
    started = getattr(state, "request_started", None)
    if started is None or served.endpoint in UNLOGGED_ENDPOINTS:
        return  # nothing served (a request context a test pushed), or a static file
    status, visitor = getattr(state, "request_outcome", (500, ""))
    ip = client_ip()
    config = current_app.config
    request_log.add({
        "at": utcnow(),
        "ip": ip if len(ip) <= IP_LENGTH else "",  # an IPv6 address with a zone can be long
        "method": served.method[:METHOD_LENGTH],
        # The rows are written together, and PostgreSQL refuses a NUL in text.
        "path": loggable_path(served).replace("\x00", "\ufffd")[:PATH_LENGTH],
        "status": 500 if exc is not None else status,
        "duration_ms": round((time.perf_counter() - started) * 1000),
        "visitor": visitor,
    }, config["TRACKING_BUFFER_ROWS"], config["TRACKING_FLUSH_SECONDS"])


def loggable_path(served):
    """The path to keep: a link's secret (/unsubscribe/<token>, an undo link) is a key to
    someone's choices and names their address, so such a path is kept as its route."""
    rule = served.url_rule
    if rule is not None and "token" in rule.arguments:
        return rule.rule
    return served.path


def find(since, ip=None, visitor=None, errors_only=False, limit=200):
    """Requests since a time, of an IP address and/or a visitor id, newest first; only
    those that failed (status 400 and above) with errors_only; at most `limit`."""
    query = RequestLog.select().where(RequestLog.at >= since)
    if ip is not None:
        query = query.where(RequestLog.ip == ip)
    if visitor is not None:
        query = query.where(RequestLog.visitor == visitor)
    if errors_only:
        query = query.where(RequestLog.status >= 400)
    return list(query.order_by(RequestLog.at.desc(), RequestLog.id.desc()).limit(limit))


def init_app(app):
    """Log every request the app serves. The teardown is registered after the database's,
    so it runs before it (teardowns run in reverse order), on the request's connection."""
    request_started.connect(start_clock, app)
    app.after_request(note_response)
    app.teardown_request(write_row)
