"""Server-side login sessions: the cookie carries a random token, the database its hash.

A session ends when its row is deleted (sign-out, password change; an email change ends the
account's other sessions) or when it expires here, on the server, whatever the browser still
holds:
- staff: after STAFF_IDLE without a request (the caller passes it from configuration);
- a customer who ticked "keep me signed in": REMEMBERED_FOR after signing in;
- any other customer: after CUSTOMER_IDLE without a request.
"""
import hashlib
import secrets
from datetime import timedelta

from storefront.accounts.models import AccountSession, Customer, StaffUser
from storefront.db import database, utcnow

CUSTOMER_PREFIX, STAFF_PREFIX = "c:", "s:"
REMEMBERED_FOR = timedelta(days=30)
CUSTOMER_IDLE = timedelta(hours=12)
# last_seen is written at most this often; staff idle time is measured to within it.
TOUCH_CUSTOMER_EVERY, TOUCH_STAFF_EVERY = timedelta(minutes=5), timedelta(seconds=15)


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def start(ip, customer=None, staff=None, remembered=False):
    """Open a session for a customer or a staff user; return the user id flask-login stores.

    Sessions that can no longer be valid are purged on the way.
    """
    token = secrets.token_urlsafe(32)
    with database.atomic():
        AccountSession.delete().where(AccountSession.last_seen < utcnow() - REMEMBERED_FOR) \
            .execute()
        AccountSession.create(token_hash=_hash(token), customer=customer, staff=staff,
                              remembered=remembered and staff is None, ip=ip or "")
    return (STAFF_PREFIX if staff is not None else CUSTOMER_PREFIX) + token


def _expired(row, now, staff_idle):
    if row.staff_id is not None:
        return now - row.last_seen > staff_idle
    if row.remembered:
        return now - row.created_at > REMEMBERED_FOR
    return now - row.last_seen > CUSTOMER_IDLE


def resolve(user_id, staff_idle):
    """The Customer or StaffUser behind a stored user id, or None once it has ended."""
    if not isinstance(user_id, str) or user_id[:2] not in (CUSTOMER_PREFIX, STAFF_PREFIX):
        return None
    row = AccountSession.get_or_none(AccountSession.token_hash == _hash(user_id[2:]))
    is_staff = user_id.startswith(STAFF_PREFIX)
    if row is None or is_staff != (row.staff_id is not None):
        return None
    now = utcnow()
    if _expired(row, now, staff_idle):
        row.delete_instance()
        return None
    if is_staff:
        principal = StaffUser.get_or_none(StaffUser.id == row.staff_id,
                                          StaffUser.is_active == True)  # noqa: E712
    else:
        principal = Customer.get_or_none(Customer.id == row.customer_id)
    if principal is None:
        return None
    if now - row.last_seen > (TOUCH_STAFF_EVERY if is_staff else TOUCH_CUSTOMER_EVERY):
        AccountSession.update(last_seen=now).where(AccountSession.id == row.id).execute()
    principal.session_id = user_id
    return principal


def end(user_id):
    """End one session."""
    if isinstance(user_id, str) and len(user_id) > 2:
        AccountSession.delete().where(AccountSession.token_hash == _hash(user_id[2:])).execute()


def end_all(customer=None, staff=None, keep=None):
    """End every session of an account, on every browser; but the session `keep` (a stored
    user id), when given."""
    if customer is None and staff is None:
        raise ValueError("end_all needs a customer or a staff user")
    owner = AccountSession.customer == customer if customer is not None \
        else AccountSession.staff == staff
    query = AccountSession.delete().where(owner)
    if isinstance(keep, str) and len(keep) > 2:
        query = query.where(AccountSession.token_hash != _hash(keep[2:]))
    return query.execute()
