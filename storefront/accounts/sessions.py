"""Server-side login sessions: the cookie carries a random token, the database its hash."""
import hashlib
import secrets
from datetime import timedelta

from storefront.accounts.models import AccountSession, Customer, StaffUser
from storefront.db import database, utcnow

CUSTOMER_PREFIX, STAFF_PREFIX = "c:", "s:"
TOUCH_EVERY = timedelta(seconds=60)


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def start(ip, customer=None, staff=None):
    """Open a session for a customer or a staff user; return the user id flask-login stores."""
    token = secrets.token_urlsafe(32)
    AccountSession.create(token_hash=_hash(token), customer=customer, staff=staff, ip=ip or "")
    prefix = STAFF_PREFIX if staff is not None else CUSTOMER_PREFIX
    return prefix + token


def resolve(user_id, staff_idle):
    """The Customer or StaffUser behind a stored user id, or None once it has ended.

    A staff session idle for longer than staff_idle ends here.
    """
    if not user_id or user_id[:2] not in (CUSTOMER_PREFIX, STAFF_PREFIX):
        return None
    row = AccountSession.get_or_none(AccountSession.token_hash == _hash(user_id[2:]))
    if row is None:
        return None
    now = utcnow()
    if user_id.startswith(STAFF_PREFIX):
        if row.staff_id is None or now - row.last_seen > staff_idle:
            row.delete_instance()
            return None
        principal = StaffUser.get_or_none(StaffUser.id == row.staff_id,
                                          StaffUser.is_active == True)  # noqa: E712
    else:
        principal = Customer.get_or_none(Customer.id == row.customer_id) \
            if row.customer_id else None
    if principal is None:
        return None
    if now - row.last_seen > TOUCH_EVERY:
        AccountSession.update(last_seen=now).where(AccountSession.id == row.id).execute()
    principal.session_id = user_id
    return principal


def end(user_id):
    """End one session."""
    if user_id and len(user_id) > 2:
        AccountSession.delete().where(AccountSession.token_hash == _hash(user_id[2:])).execute()


def end_all(customer=None, staff=None):
    """End every session of an account, on every browser."""
    with database.atomic():
        query = AccountSession.delete()
        if customer is not None:
            query = query.where(AccountSession.customer == customer)
        elif staff is not None:
            query = query.where(AccountSession.staff == staff)
        else:
            raise ValueError("end_all needs a customer or a staff user")
        return query.execute()
