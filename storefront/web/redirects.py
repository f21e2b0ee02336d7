"""Redirect targets taken from the request: only paths on this site."""
from urllib.parse import urlsplit


def safe_next(target, fallback="/"):
    """Return target when it is a local path (no scheme, host or backslash trick), else fallback."""
    if not target or not isinstance(target, str) or len(target) > 2000:
        return fallback
    if any(ord(ch) < 32 or ch == "\\" for ch in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target
