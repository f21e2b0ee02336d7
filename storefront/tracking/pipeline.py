"""Tracking in the request pipeline: visitors, touches, the page-view log (P17, P18).

Before each request (after the visitor cookie and the co-brand are read): the Visitor whose
cookie came back (g.returning), the touch a tagged link records, and the visitor's first and
last touch (g.first_touch_id, g.last_touch_id), which registrations and orders copy.
After it: one PageView for an HTML page served to a visitor. Every request also goes to the
request log (requestlog.py).

Staff pages (the staff console, fulfilment, staff mail, reports, the partner portal) are
neither tracked nor in the page-view log: they are work, not visits. Static files and
product images never are either.
"""
from urllib.parse import urlsplit

from flask import current_app, g, request

from storefront.db import utcnow
from storefront.tracking import requestlog, tags, visits
from storefront.tracking.clicklog import clicks
from storefront.web.visitor import visitor_is_kept

STAFF_BLUEPRINTS = frozenset({"staff", "staff_mail", "fulfilment", "reports", "portal",
                              "care_inbox", "care_requests", "care_customers", "care_phone",
                              "rights_staff", "marketing_staff", "backoffice_catalogue",
                              "backoffice_partners", "backoffice_banners", "care_orders",
                              "backoffice_import"})
UNTRACKED_ENDPOINTS = frozenset({"static", "catalogue.media"})
PATH_LENGTH, HOST_LENGTH = 300, 200


def viewing_product(product_id):
    """Tell the page-view log which product this page shows (for "recently viewed")."""
    g.viewed_product_id = product_id


def _tracked():
    return request.endpoint not in UNTRACKED_ENDPOINTS and \
        request.blueprint not in STAFF_BLUEPRINTS


def _referrer_host():
    """The host the visitor came from ('' when none or unreadable): never the referring
    page's path or query, which can carry someone's search or a token."""
    try:
        host = urlsplit(request.referrer or "").hostname or ""
    except ValueError:
        return ""
    if not host.isprintable():
        return ""
    return host[:HOST_LENGTH]


def _path():
    return requestlog.loggable_path(request)[:PATH_LENGTH]


def recognise_visitor():
    """Resolve the visitor, record a tagged link's touch, expose first and last touch."""
    g.first_touch_id = g.last_touch_id = None
    g.returning, g.tracked_visitor = False, None
    if not _tracked():
        return
    if not g.visitor_is_new:
        visitor = g.tracked_visitor = visits.recognise(g.visitor_id, utcnow())
        g.returning = visitor.visits > 1
        g.first_touch_id, g.last_touch_id = visitor.first_touch_id, visitor.last_touch_id
    if request.method == "GET" and tags.is_tagged(request.args):
        found = tags.parse_tags(request.args)
        touch = found and visits.record_touch(
            g.visitor_id, found, _path(), _referrer_host(), partner=g.get("partner"),
            visitor=g.tracked_visitor)
        if touch:
            g.last_touch_id = touch.id
            g.first_touch_id = g.first_touch_id or touch.id


def log_page_view(response):
    """One PageView for an HTML page served to a visitor, never for a response whose visitor
    id no browser will keep (no cookie back, none set: a publicly cacheable page)."""
    if request.method == "GET" and response.status_code == 200 \
            and response.mimetype == "text/html" and _tracked() and visitor_is_kept(response):
        partner = g.get("partner")
        config = current_app.config
        clicks.add({"visitor": g.visitor_id, "path": _path(), "referrer_host": _referrer_host(),
                    "partner": partner.id if partner else None,
                    "product_id": g.get("viewed_product_id"), "at": utcnow()},
                   config["TRACKING_BUFFER_ROWS"], config["TRACKING_FLUSH_SECONDS"])
    return response


def init_app(app):
    """Install tracking on the app: buffered page views and request log in production,
    written at once in tests."""
    app.config.setdefault("TRACKING_BUFFER_ROWS", 0 if app.testing else 200)
    app.config.setdefault("TRACKING_FLUSH_SECONDS", 0 if app.testing else 2)
    app.before_request(recognise_visitor)
    app.after_request(log_page_view)
    requestlog.init_app(app)
