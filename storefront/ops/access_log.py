"""One log line per request, with a request id, and the request's figures for /metrics.

The id comes from the X-Request-ID header when it is a plain token (a proxy in front may
set one, so its log and ours can be matched), else it is made here; it goes back in the
response's X-Request-ID header, and the logging filter adds it to every log line written
while the request is served. The line holds the method, the route's rule (never the path,
which can hold an order number or a link's token, nor the query string, the form or a
cookie), the status and the duration: nothing about who asked.

This is the server's log for operators (stderr, gunicorn's errorlog); the request log of the
privacy policy (P8), which keeps IPs for a limited time, is tracking/requestlog.py.
"""
import logging
import re
import sys
import time
import uuid

from flask import g, has_request_context, request, request_started

from storefront.ops import metrics

log = logging.getLogger("storefront.access")
HEADER = "X-Request-ID"
VALID_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
LINE_FORMAT = "%(asctime)s %(levelname)s %(name)s request_id=%(request_id)s %(message)s"


def request_id_from(header_value):
    """The incoming id when it is 8 to 64 letters, digits, '.', '_' or '-'; else a new one."""
    if header_value and VALID_ID.fullmatch(header_value):
        return header_value
    return uuid.uuid4().hex


def start_request(sender, **extra):
    """Before every hook of the request (a refused CSRF token is logged too): its id and clock."""
    g.request_id = request_id_from(request.headers.get(HEADER))
    g.ops_started = time.perf_counter()


def note_response(response):
    """Return the id with the response and keep its status for the line. Registered before
    every other after_request hook, so it runs last and sees the response as sent."""
    request_id = g.get("request_id")
    if request_id:
        response.headers[HEADER] = request_id
    g.ops_status = response.status_code
    return response


def end_request(exc):
    """Write the line and count the request; one that ended in an exception no handler
    answered is a 500."""
    started = g.get("ops_started")
    if started is None:
        return  # nothing was served (a request context a test pushed)
    seconds = time.perf_counter() - started
    status = 500 if exc is not None else g.get("ops_status", 500)
    rule = request.url_rule
    metrics.observe_request(request.endpoint, request.method, status, seconds)
    log.info("method=%s route=%s status=%s duration_ms=%d",
             metrics.method_label(request.method), rule.rule if rule else "-", status,
             round(seconds * 1000), extra={"request_id": g.request_id})


class RequestIdFilter(logging.Filter):
    """Give every record the id of the request being served ('-' outside a request)."""

    def filter(self, record):
        """Add record.request_id; never drops a record."""
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


class LineHandler(logging.StreamHandler):
    """Writes lines with the request id (to stderr unless told)."""

    def __init__(self, stream=None):
        super().__init__(stream or sys.stderr)
        self.addFilter(RequestIdFilter())
        self.setFormatter(logging.Formatter(LINE_FORMAT))


def init_app(app):
    """Give every request an id, a line and its figures. Outside the tests the storefront
    loggers write to stderr at LOG_LEVEL (gunicorn passes it on to its error log); the tests
    read records with caplog instead."""
    request_started.connect(start_request, app)
    app.after_request(note_response)
    app.teardown_request(end_request)
    root = logging.getLogger("storefront")
    if not app.testing and not any(isinstance(h, LineHandler) for h in root.handlers):
        root.addHandler(LineHandler())
        root.setLevel(app.config["LOG_LEVEL"])
