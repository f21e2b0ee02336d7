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
EVERY_RESPONSE = (  # unless the view set its own
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)


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
    present = set(headers.keys(lower=True))  # one pass, not one per header
    for name, value in EVERY_RESPONSE:
        if name.lower() not in present:
            headers.add(name, value)
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
