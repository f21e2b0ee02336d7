"""Login throttling kept in the database, so it holds across every worker and machine.

Attempts are recorded per realm (customer, staff, register) with the IP and a keyed hash of
the email (the log holds no address). Failures before an account's last success, or before
an admin's unlock, no longer count against it.
"""
import hashlib
import hmac
from datetime import timedelta

from peewee import fn

from storefront.accounts.models import LoginAttempt
from storefront.db import utcnow

WINDOW = timedelta(minutes=15)
RETENTION = timedelta(days=30)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_IP = 30


class Throttled(Exception):
    """Too many failed attempts; the message may be shown."""


def subject_key(secret, realm, email):
    """A keyed hash of the email, so the attempt log holds no address."""
    message = f"{realm}:{(email or '').strip().lower()}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _failures(realm, since, **match):
    query = LoginAttempt.select(LoginAttempt.at).where(
        LoginAttempt.realm == realm, LoginAttempt.at >= since,
        LoginAttempt.succeeded == False)  # noqa: E712 (SQL, not Python)
    for field, value in match.items():
        query = query.where(getattr(LoginAttempt, field) == value)
    return query


def _since_last_success(realm, subject, since):
    last = (LoginAttempt.select(fn.MAX(LoginAttempt.at))
            .where(LoginAttempt.realm == realm, LoginAttempt.subject == subject,
                   LoginAttempt.succeeded == True).scalar())  # noqa: E712
    return max(since, last) if last else since


def check(realm, subject, ip, per_account=MAX_FAILURES_PER_ACCOUNT, success_resets=True):
    """Raise Throttled when the account or the IP failed too often in the last WINDOW.

    per_account=None leaves the account limit to another rule (staff lockout).
    success_resets=False keeps counting failures after a success (where one good secret
    must not buy more guesses at others, as with gift card codes).
    """
    since = utcnow() - WINDOW
    counted_from = _since_last_success(realm, subject, since) if success_resets else since
    if per_account is not None and \
            _failures(realm, counted_from, subject=subject).count() >= per_account:
        _refuse()
    if _failures(realm, since, ip=ip or "").count() >= MAX_FAILURES_PER_IP:
        _refuse()


def _refuse():
    minutes = int(WINDOW.total_seconds() // 60)
    raise Throttled(f"Too many failed attempts. Please wait {minutes} minutes and try again.")


def locked_until(realm, subject, limit, period):
    """When a lock on the account lifts: limit failures within period lock it; else None."""
    now = utcnow()
    since = _since_last_success(realm, subject, now - period)
    recent = list(_failures(realm, since, subject=subject)
                  .order_by(LoginAttempt.at.desc()).limit(limit))
    if len(recent) < limit:
        return None
    return recent[-1].at + period


def record(realm, subject, ip, succeeded):
    """Log one attempt, and drop attempts past their retention (an index range, so cheap)."""
    LoginAttempt.create(realm=realm, subject=subject, ip=ip or "", succeeded=succeeded)
    LoginAttempt.delete().where(LoginAttempt.at < utcnow() - RETENTION).execute()


def forget(realm, subject):
    """Forget an account's failures (an admin unlocked it)."""
    LoginAttempt.delete().where(LoginAttempt.realm == realm, LoginAttempt.subject == subject,
                                LoginAttempt.succeeded == False).execute()  # noqa: E712
