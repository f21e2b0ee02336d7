"""Catalogue files kept between an import's preview and its confirmation.

The preview keeps the uploaded bytes under instance/imports/ with a random name; the
confirmation form carries that name and the file's SHA-256. Confirming takes the file (a
rename: a second click finds nothing to take), and imports it only if its digest is still the
one the preview showed. Files nobody confirmed go after a day.
"""
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass

TOKEN = re.compile(r"[A-Za-z0-9_-]{22}")
MAX_AGE_SECONDS = 24 * 3600


class KeptFileError(Exception):
    """The kept file cannot be imported; the message says why, for staff."""


@dataclass
class Kept:
    token: str  # the file's random name
    digest: str  # SHA-256 of its bytes, hex


def keep(folder, data):
    """Keep the uploaded bytes for the confirmation (and forget day-old ones)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        if old.stat().st_mtime < time.time() - MAX_AGE_SECONDS:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(16)
    (folder / f"{token}.csv").write_bytes(data)
    return Kept(token, hashlib.sha256(data).hexdigest())


def take(folder, token, digest):
    """The kept file's bytes, provided it is there and unchanged; taken, so only one
    confirmation imports it. Call finish(folder, token) when done with it."""
    if not TOKEN.fullmatch(token or ""):
        raise KeptFileError("This preview is not one we know: upload the file again.")
    taken = folder / f"{token}.importing"
    try:
        (folder / f"{token}.csv").rename(taken)
    except FileNotFoundError:
        raise KeptFileError("This file is imported already, or being imported, or its preview "
                            "is more than a day old: upload it again to see a new preview.") \
            from None
    data = taken.read_bytes()
    if not hmac.compare_digest(hashlib.sha256(data).hexdigest(), digest or ""):
        taken.unlink()
        raise KeptFileError("The file changed after its preview, so nothing was imported. "
                            "Upload it again to see what it would do now.")
    return data


def discard(folder, token):
    """Forget a kept file (a preview that cannot be confirmed)."""
    if TOKEN.fullmatch(token or ""):
        (folder / f"{token}.csv").unlink(missing_ok=True)


def finish(folder, token):
    """Forget a file taken for its confirmation."""
    if TOKEN.fullmatch(token or ""):
        (folder / f"{token}.importing").unlink(missing_ok=True)
