"""Login throttling kept in the database, so it holds across every worker and machine."""
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
    """Too many failed logins; the message may be shown."""


def subject_key(secret, realm, email):
    """A keyed hash of the email, so the attempt log holds no address."""
    message = f"{realm}:{(email or '').strip().lower()}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _recent_failures(realm, since, **match):
    query = LoginAttempt.select().where(LoginAttempt.realm == realm, LoginAttempt.at >= since,
                                        LoginAttempt.succeeded == False)  # noqa: E712
    for field, value in match.items():
        query = query.where(getattr(LoginAttempt, field) == value)
    return query.count()


def _last_success(realm, subject):
    return (LoginAttempt.select(fn.MAX(LoginAttempt.at))
            .where(LoginAttempt.realm == realm, LoginAttempt.subject == subject,
                   LoginAttempt.succeeded == True).scalar())  # noqa: E712


def check(realm, subject, ip, per_account=MAX_FAILURES_PER_ACCOUNT):
    """Raise Throttled when the account (since its last success) or the IP failed too often.

    per_account=None leaves the account limit to another rule (staff lockout).
    """
    since = utcnow() - WINDOW
    if per_account is not None:
        account_since = max(since, _last_success(realm, subject) or since)
        if _recent_failures(realm, account_since, subject=subject) >= per_account:
            _refuse()
    if _recent_failures(realm, since, ip=ip or "") >= MAX_FAILURES_PER_IP:
        _refuse()


def _refuse():
    minutes = int(WINDOW.total_seconds() // 60)
    raise Throttled(f"Too many failed attempts. Please wait {minutes} minutes "
                    "and try again.")


def record(realm, subject, ip, succeeded):
    """Log one attempt, and drop attempts past their retention (an index range, so cheap)."""
    LoginAttempt.create(realm=realm, subject=subject, ip=ip or "", succeeded=succeeded)
    LoginAttempt.delete().where(LoginAttempt.at < utcnow() - RETENTION).execute()
