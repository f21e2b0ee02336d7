"""The visitor cookie: a long-lived, signed, random id that binds a guest's cart (P8, P17).

It names a browser, not a person; it holds nothing else.
"""
import hashlib
import secrets
from functools import lru_cache

from flask import current_app, g, request
from itsdangerous import BadSignature, Signer


@lru_cache(maxsize=4)
def _signer_for(secret_key):
    # OpenSSL's SHA-1, the default's algorithm: hmac's fast path, the same signatures.
    return Signer(secret_key, salt="visitor-cookie", digest_method=hashlib.sha1)


def _signer():
    return _signer_for(current_app.config["SECRET_KEY"])


def read_visitor():
    """Before each request: g.visitor_id from a valid cookie, else a fresh id to be set."""
    raw = request.cookies.get(current_app.config["VISITOR_COOKIE_NAME"])
    g.visitor_id, g.visitor_is_new = None, True
    if raw:
        try:
            g.visitor_id = _signer().unsign(raw).decode()
            g.visitor_is_new = False
        except BadSignature:
            pass
    if g.visitor_id is None:
        g.visitor_id = secrets.token_urlsafe(18)


def _may_carry_cookie(response):
    return not response.cache_control.public and not response.cache_control.max_age \
        and request.endpoint != "static"


def visitor_is_kept(response):
    """True when the browser has this visitor id after the response: it sent the cookie, or
    the response sets it. Tracking records nothing under an id no browser keeps."""
    return not g.visitor_is_new or _may_carry_cookie(response)


def write_visitor(response):
    """After each request: set the cookie when the browser did not send a valid one.

    Never on a response a shared cache may keep (images, static files): a proxy would hand
    the same visitor id, and so the same guest cart, to everyone.
    """
    if getattr(g, "visitor_is_new", False) and _may_carry_cookie(response):
        config = current_app.config
        response.set_cookie(
            config["VISITOR_COOKIE_NAME"], _signer().sign(g.visitor_id).decode(),
            max_age=config["VISITOR_COOKIE_DAYS"] * 86400, httponly=True, samesite="Lax",
            secure=config["SESSION_COOKIE_SECURE"])
    return response


def init_app(app):
    """Read the visitor cookie before each request and set it after, when needed."""
    app.before_request(read_visitor)
    app.after_request(write_visitor)
