"""The signed-cookie session, without its per-request set-up.

Flask builds the session's serializer again on every request, and hands hmac a Python
wrapper of SHA-1, which sends hmac down its pure-Python path. Here the serializer is built
once per set of keys and SHA-1 is OpenSSL's own function: the same algorithm, so the same
signatures and cookies.
"""
import hashlib

from flask.sessions import SecureCookieSessionInterface


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session with its serializer kept between requests."""

    digest_method = staticmethod(hashlib.sha1)

    def __init__(self):
        self._serializers = {}

    def get_signing_serializer(self, app):
        """The serializer of the current secret key and its fallbacks (None without a key)."""
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        found = self._serializers.get(keys)
        if found is None:
            found = super().get_signing_serializer(app)
            self._serializers = {keys: found}  # only the keys in use are kept
        return found
