"""Security headers on every response; HSTS on those served over HTTPS."""
from flask import request

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HSTS_SECONDS = 365 * 24 * 60 * 60  # one year


def strict_transport_security(include_subdomains):
    """The HSTS header's value: one year, and the subdomains only when asked."""
    return f"max-age={HSTS_SECONDS}" + ("; includeSubDomains" if include_subdomains else "")


def _carries_token():
    """True on a route whose path holds a key (its argument is named token: unsubscribe,
    undo, email confirmation, account invitation)."""
    rule = request.url_rule
    return rule is not None and "token" in rule.arguments


def add_security_headers(response, hsts):
    """Set the headers every page carries; hsts (a header value, or None when the shop is not
    served over HTTPS) only on a response that really went over HTTPS, as RFC 6797 asks.
    A page whose URL holds a token sends no Referer (the URL would carry the token to the
    page's own subresources) and is kept by no cache."""
    headers = response.headers
    if _carries_token():
        headers["Referrer-Policy"] = "no-referrer"
        headers["Cache-Control"] = "no-store"
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if hsts and request.is_secure:
        headers.setdefault("Strict-Transport-Security", hsts)
    return response


def init_app(app):
    """Add the headers to every response (the proxy trust and the HTTPS redirect are in
    storefront/web/https.py, around the whole app)."""
    config = app.config
    hsts = strict_transport_security(config["HSTS_INCLUDE_SUBDOMAINS"]) \
        if config["PREFERRED_URL_SCHEME"] == "https" else None
    app.after_request(lambda response: add_security_headers(response, hsts))
