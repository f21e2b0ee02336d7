"""The co-brand in the request pipeline: which partner's frame this visitor is in (g.partner).

A visitor enters a co-brand through /co/<slug>/<shop path> or through one of the partner's
own host names, and stays in it until they leave it (a "Leave" button) or enter another.

- /co/<slug>/<path>: a WSGI middleware strips the prefix before routing, so the shop page
  itself answers. When the browser sent our cookies (so it keeps them), the answer is a
  redirect to the clean shop path with its query string (`?ref=&banner=` reach tracking);
  when it sent none (a first visit, or cookies off) the page is rendered in place, in the
  frame, so even a browser without cookies sees the first page co-branded. Only same-site
  paths are accepted after the slug (no open redirect); unknown or inactive slugs are 404.
- The choice is kept in its own signed, browser-session cookie (sf_cobrand) rather than in
  the Flask session, which signing in clears: a co-brand shopper who signs in stays in it.
  Its value is a slug, or "-" once the visitor left (then a partner host no longer frames).
- Otherwise a request whose Host is one of a partner's host names is in that co-brand.
"""
from urllib.parse import quote

from flask import abort, current_app, g, redirect, request
from itsdangerous import BadSignature, Signer

from storefront.partners.models import Partner
from storefront.partners.themes import SLUG
from storefront.web.memo import TimedCache
from storefront.web.redirects import safe_next

COOKIE = "sf_cobrand"
LEFT = "-"
ENTRY_KEY = "storefront.cobrand_entry"  # WSGI environ: the slug of an entry link
_partners = TimedCache(max_entries=256)
_UNRESOLVED = frozenset({"static", "cobrand.static"})


class EntryLinks:
    """WSGI middleware: /co/<slug>/<path> is the shop's <path>, marked as an entry."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/co/") and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            slug, _, rest = path[len("/co/"):].partition("/")
            target = "/" + rest
            # Strict: a same-site path only (no "//host", no backslash or control characters).
            if SLUG.fullmatch(slug) and safe_next(target, None) == target:
                environ[ENTRY_KEY] = slug
                environ["PATH_INFO"] = target
        return self.wsgi_app(environ, start_response)


def _signer():
    return Signer(current_app.config["SECRET_KEY"], salt="cobrand-cookie")


def active_partner(slug):
    """The active Partner with this slug, or None (kept a few seconds per process)."""
    if not SLUG.fullmatch(slug or ""):
        return None
    return _partners.get(("slug", slug), current_app.config["CACHE_SECONDS"],
                         lambda: Partner.active().where(Partner.slug == slug).first())


def partner_for_host(host):
    """The active Partner that owns this host name, or None."""
    hosts = _partners.get("hosts", current_app.config["CACHE_SECONDS"], lambda: {
        name.lower(): partner for partner in Partner.active() for name in partner.host_names})
    return hosts.get(host.rsplit(":", 1)[0].lower()) if hosts else None


def _chosen():
    """The slug the cookie holds, LEFT, or None (no valid cookie)."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        return _signer().unsign(raw).decode()
    except BadSignature:
        return None


def remember(value):
    """Keep the visitor's co-brand choice (a slug, or LEFT) in the cookie on this response."""
    g.cobrand_cookie = value


def resolve_partner():
    """Before each request: g.partner from the entry link, the cookie, or the host."""
    g.partner = None
    if request.endpoint in _UNRESOLVED:
        return None
    entry = request.environ.get(ENTRY_KEY)
    if entry is not None:
        return _enter(entry)
    chosen = _chosen()
    if chosen == LEFT:
        return None
    if chosen:
        g.partner = active_partner(chosen)
        if g.partner is None:
            remember(None)  # deactivated since: forget it
    if g.partner is None:
        g.partner = partner_for_host(request.host)
    return None


def _enter(slug):
    g.partner = active_partner(slug)
    if g.partner is None:
        abort(404)
    remember(g.partner.slug)
    config = current_app.config
    if config["SESSION_COOKIE_NAME"] in request.cookies or \
            config["VISITOR_COOKIE_NAME"] in request.cookies:
        target = quote(request.path, safe="/:@!$&'()*+,;=-._~")
        if request.query_string:
            target += "?" + request.query_string.decode("latin-1")
        return redirect(target)
    return None  # no cookies came: render the page itself, in the frame


def write_cookie(response):
    """After each request: set or clear the co-brand cookie when the choice changed."""
    if "cobrand_cookie" not in g:
        return response
    config = current_app.config
    if g.cobrand_cookie is None:
        response.delete_cookie(COOKIE, httponly=True, samesite="Lax",
                               secure=config["SESSION_COOKIE_SECURE"])
    else:
        response.set_cookie(COOKIE, _signer().sign(g.cobrand_cookie).decode(), httponly=True,
                            samesite="Lax", secure=config["SESSION_COOKIE_SECURE"])
    return response


def init_app(app):
    """Resolve the partner before every request (g.partner: a Partner or None)."""
    from storefront.partners.views import bp
    app.wsgi_app = EntryLinks(app.wsgi_app)
    app.before_request(resolve_partner)
    app.after_request(write_cookie)
    app.register_blueprint(bp)

    @app.context_processor
    def cobrand():
        """The partner whose frame this page is drawn in (None for the shop's own pages)."""
        return {"partner": g.get("partner")}
