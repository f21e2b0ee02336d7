"""Staff accounts: adding them, their sign-in and its lock, and their passwords.

A password someone else chose (an admin's temporary one, the first password of a partner
login added in the back office, `storefront staff add --temporary`) must be changed at the
next sign-in: the member's must_change_password is set until they choose their own
(current.staff_route sends them to do it).

A form that changes a password asks for the password of the member filling it in (their
current one, or the admin's own when they set a temporary one): that is a staff sign-in
attempt of theirs, so an unattended browser or a stolen session cannot guess it.
"""
from datetime import timedelta

from storefront.accounts import passwords, sessions, throttle
from storefront.accounts.contact import normalise_email
from storefront.accounts.models import STAFF_ROLES, StaffUser
from storefront.accounts.service import (LOGIN_REFUSED, AccountError, LoginRefused, Problems,
                                         check_new_password, email_key)
from storefront.db import database, utcnow
from storefront.mail import outbox
from storefront.privacy import audit
from storefront.privacy.models import AuditEvent

STAFF_LOCK_AFTER = 10
STAFF_LOCK_FOR = timedelta(minutes=30)
STAFF_LOCKED = ("After too many failed attempts this sign-in is locked for 30 minutes. "
                "Try again later, or ask an admin to unlock it.")
WRONG_CURRENT = "Your current password is not right."
WRONG_YOURS = "Your own password is not right."
SAME_AS_CURRENT = "Choose a new password, not the one you have now."
OWN_PASSWORD = "Change your own password on the page for it, not here."


def create_staff(email, name, roles, password, must_change_password=False):
    """Add a staff account with the given roles; must_change_password when someone else
    chose the password."""
    problems = Problems()
    normalised = problems.check("email", normalise_email, email)
    if not roles or set(roles) - set(STAFF_ROLES):
        problems.add("roles", f"Roles must be among: {', '.join(STAFF_ROLES)}.")
    check_new_password(problems, password, passwords.STAFF_MIN_LENGTH, email)
    problems.raise_any()
    email, key = normalised
    if StaffUser.by_email_key(key) is not None:
        raise AccountError("A staff account with this email already exists.", "email")
    return StaffUser.create(email=email, email_key=key, name=name.strip() or email,
                            roles=" ".join(r for r in STAFF_ROLES if r in roles),
                            password_hash=passwords.hash_password(password),
                            must_change_password=must_change_password)


def _attempt(key, staff, password, ip, secret):
    """One try at the password of the staff sign-in `key` (staff None when no account has
    it), counted in the staff throttle: True when it is right. LoginRefused (its message
    may be shown) while the IP is throttled or the sign-in locked.

    Ten failures within 30 minutes lock the sign-in for 30 minutes. The lock is kept per
    email, existing or not, so its message tells nobody which staff emails exist.
    """
    subject = throttle.subject_key(secret, "staff", key)
    try:
        throttle.check("staff", subject, ip, per_account=None)
    except throttle.Throttled as error:
        raise LoginRefused(str(error)) from None
    if throttle.locked_until("staff", subject, STAFF_LOCK_AFTER, STAFF_LOCK_FOR):
        # Not recorded: tries during the lock must not extend it past its 30 minutes.
        passwords.verify_password(None, password)  # the same work as a real check
        raise LoginRefused(STAFF_LOCKED)
    ok = passwords.verify_password(staff.password_hash if staff else None, password) \
        and staff.is_active
    throttle.record("staff", subject, ip, ok)
    return ok


def authenticate_staff(email, password, ip, secret):
    """The staff user for these credentials; LoginRefused otherwise (see _attempt)."""
    key = email_key(email)
    staff = StaffUser.by_email_key(key)
    if not _attempt(key, staff, password, ip, secret):
        raise LoginRefused(LOGIN_REFUSED)
    return staff


def staff_locked_until(staff, secret):
    """When the staff account's sign-in lock lifts, or None when it is not locked."""
    subject = throttle.subject_key(secret, "staff", staff.email_key)
    return throttle.locked_until("staff", subject, STAFF_LOCK_AFTER, STAFF_LOCK_FOR)


def unlock_staff(staff, secret):
    """Lift a staff account's sign-in lock: its failed attempts are forgotten."""
    throttle.forget("staff", throttle.subject_key(secret, "staff", staff.email_key))


def _own_password_problem(staff, password, ip, secret, wrong):
    """The member typed their own password again in a form: None when it is right; else the
    message to show next to it (wrong, or why the sign-in refuses). A sign-in attempt of
    theirs (see _attempt): a wrong one counts towards their lock."""
    try:
        return None if _attempt(staff.email_key, staff, password, ip, secret) else wrong
    except LoginRefused as error:
        return str(error)


def _set_password(member, password, must_change):
    """Store the member's new password and end every session of theirs."""
    member.password_hash = passwords.hash_password(password)
    member.must_change_password = must_change
    member.save(only=[StaffUser.password_hash, StaffUser.must_change_password])
    sessions.end_all(staff=member)


def change_own_password(staff, current, new, ip, secret):
    """The signed-in member chooses a new password, which clears must_change_password, and
    every session of theirs ends, the present one too: the caller signs the browser in
    again, with a new session, so a copy of the old one is of no use to anyone.
    AccountError names the field of each problem."""
    problem = _own_password_problem(staff, current, ip, secret, WRONG_CURRENT)
    if problem:
        raise AccountError(problem, "current_password")
    problems = Problems()
    if new == current:
        problems.add("new_password", SAME_AS_CURRENT)
    check_new_password(problems, new, passwords.STAFF_MIN_LENGTH, staff.email, "new_password")
    problems.raise_any()
    with database.atomic():
        _set_password(staff, new, must_change=False)


def set_temporary_password(member, password, *, admin, admin_password, ip, config):
    """The admin, who typed their own password (admin_password) again, chose a password for
    another member, who must change it at the next sign-in: every session of the member
    ends now, the audit log records who did it, and the member is told by email (a service
    message naming the admin; never the password). A lock on the sign-in stays as it is.

    AccountError for the fields "password" (an admin changes their own on their page) and
    "your_password": a wrong one changes nothing and counts towards the admin's own lock.
    """
    if member.id == admin.id:
        raise AccountError(OWN_PASSWORD, "password")
    problems = Problems()
    problem = _own_password_problem(admin, admin_password, ip, config["SECRET_KEY"],
                                    WRONG_YOURS)
    if problem:
        problems.add("your_password", problem)
    check_new_password(problems, password, passwords.STAFF_MIN_LENGTH, member.email)
    problems.raise_any()
    with database.atomic():
        _set_password(member, password, must_change=True)
        audit.record(AuditEvent.CHANGED, "temporary password set for a staff login",
                     staff_id=admin.id, address=member.email, ip=ip)
        outbox.enqueue(member.email, "staff_password",
                       "A temporary password was set for your staff login",
                       "staff_temporary_password", name=member.name, email=member.email,
                       admin_name=admin.name, admin_email=admin.email, at=utcnow(),
                       care_email=config["CARE_EMAIL"])
