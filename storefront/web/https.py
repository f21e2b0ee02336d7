"""HTTPS around the whole app: which proxies to believe about the scheme, and plain HTTP sent
to HTTPS when PREFERRED_URL_SCHEME is https.

- PROXY_COUNT proxies' X-Forwarded-For and -Proto are believed (werkzeug's ProxyFix), and
  their X-Forwarded-Host only with TRUST_X_FORWARDED_HOST (a proxy that forwards Host, as the
  README's recipe does, passes a client's own X-Forwarded-Host through, and the host chooses
  a partner's frame); nobody else's: a request that only claims X-Forwarded-Proto: https is
  plain HTTP.
- Every cookie is Secure: the session and remember-me cookies here, and the shop's own
  (visitor, co-brand, last email), which follow SESSION_COOKIE_SECURE.
- A GET or HEAD over plain HTTP gets a 301 to the same path and query on https://, at the
  SHOP_URL's host, or at a partner's own host name when the request named one (a co-brand
  stays in its frame). Whatever else a Host header says is never echoed into the address: no
  open redirect.
- Any other method over plain HTTP gets a 400 and no redirect: its body (a password, a card
  number) has already crossed the network in clear, and a 307 or 308 would have the browser
  send it again without anyone noticing. The shop's forms all post to https:// pages.
- /healthz and /metrics also answer over plain HTTP: load balancers and Prometheus call them
  on the app's own port, without a browser (/metrics has its own access rule).
"""
from urllib.parse import urlsplit

from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.sansio.utils import get_current_url
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from storefront.db import database

PLAIN_HTTP_PATHS = frozenset({"/healthz", "/metrics"})
SAFE_METHODS = frozenset({"GET", "HEAD"})


def _hostname(host):
    """The lower-case name in a Host header ('' when it cannot be read)."""
    try:
        return (urlsplit("//" + host).hostname or "") if host.isprintable() else ""
    except ValueError:
        return ""


class HttpsOnly:
    """WSGI middleware: a plain HTTP request is redirected or refused before the app sees it."""

    def __init__(self, wsgi_app, shop_url, is_partner_host):
        self.wsgi_app = wsgi_app
        self.shop_host = urlsplit(shop_url).netloc
        self.shop_hostname = _hostname(self.shop_host)
        self.is_partner_host = is_partner_host

    def __call__(self, environ, start_response):
        if environ["wsgi.url_scheme"] == "https" or environ.get("PATH_INFO") in PLAIN_HTTP_PATHS:
            return self.wsgi_app(environ, start_response)
        request = Request(environ)
        target = get_current_url("https", self.target_host(request.host), request.root_path,
                                 request.path, request.query_string)
        if request.method in SAFE_METHODS:
            response = redirect(target, 301)
        else:
            response = Response(f"This shop takes forms over HTTPS only. Open {target} "
                                "and send the form again.\n", 400, mimetype="text/plain")
            response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-store"
        return response(environ, start_response)

    def target_host(self, host):
        """The host to send the browser to: the request's only when it is the shop's or a
        partner's, else the shop's."""
        name = _hostname(host)
        if name and name != self.shop_hostname and self.is_partner_host(name):
            return name
        return self.shop_host


def partner_host_checker(app, partner_for_host):
    """is_partner_host(name): whether a partner owns a host name, asked in an app context;
    a database connection opened for it is closed again (PostgreSQL's goes back to the pool)."""
    def is_partner_host(name):
        with app.app_context():
            was_closed = database.is_closed()
            try:
                return partner_for_host(name) is not None
            finally:
                if was_closed and not database.is_closed():
                    database.close()
    return is_partner_host


def init_app(app, partner_for_host):
    """Wrap the app (call it last: ProxyFix must be outermost, so that the redirect sees the
    scheme the trusted proxy reported). partner_for_host(name) is the partner owning a host
    name, or None."""
    config = app.config
    if config["PREFERRED_URL_SCHEME"] == "https":
        config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
        app.wsgi_app = HttpsOnly(app.wsgi_app, config["SHOP_URL"],
                                 partner_host_checker(app, partner_for_host))
    if config["PROXY_COUNT"]:
        count = config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count,
                                x_host=count if config["TRUST_X_FORWARDED_HOST"] else 0)
