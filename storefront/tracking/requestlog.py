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
UNLOGGED_ENDPOINTS = frozenset({"static", "catalogue.media", "cobrand.static"})


def start_clock(sender, **extra):
    """Note when the request started, before any before_request hook (they count too)."""
    g.request_started = time.perf_counter()


def note_response(response):
    """Keep the status and the visitor id (when the browser keeps it) for the teardown. An
    error page made after this, when a later hook failed, replaces them."""
    g.logged_status = response.status_code
    g.logged_visitor = g.visitor_id if g.get("visitor_id") and visitor_is_kept(response) else ""
    return response


def write_row(exc):
    """Log the request; one that ended in an exception no handler answered is a 500."""
    if "request_started" not in g:  # a request context a test pushed: nothing was served
        return
    if request.endpoint in UNLOGGED_ENDPOINTS:
        return
    ip = client_ip()
    config = current_app.config
    request_log.add({
        "at": utcnow(),
        "ip": ip if len(ip) <= RequestLog.ip.max_length else "",  # an IPv6 zone can be long
        "method": request.method[:RequestLog.method.max_length],
        # The rows are written together, and PostgreSQL refuses a NUL in text.
        "path": request.path.replace("\x00", "\ufffd")[:RequestLog.path.max_length],
        "status": 500 if exc is not None else g.get("logged_status", 500),
        "duration_ms": round((time.perf_counter() - g.request_started) * 1000),
        "visitor": g.get("logged_visitor", ""),
    }, config["TRACKING_BUFFER_ROWS"], config["TRACKING_FLUSH_SECONDS"])


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
