"""Who is signed in: flask-login wiring, sign-in and sign-out, route guards, fresh logins.

Other packages react to a customer's sign-in through the `signed_in` signal (the cart merges
the guest cart), so accounts depends on none of them.

A login is fresh (flask-login's word) for FRESH_FOR after the password was typed in this
browser session: at sign-in, on the "confirm your password" page, or in a form that asks for
it. Ordering and changing the saved cards need a fresh login, so someone at a computer its
owner left signed in ("keep me signed in", or a window left open) cannot use them.
Freshness is kept in the signed cookie session, never on the server-side session row: every
copy of a remember cookie shares that row, and the owner typing the password in one browser
must not make a copy in another fresh. So a session the remember cookie restores starts
stale (flask-login marks it), and only the password makes it fresh.
"""
import hashlib
import time
from datetime import timedelta
from functools import wraps

from blinker import Namespace
from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_login import confirm_login, current_user, login_fresh, login_user, logout_user

from storefront.accounts import service, sessions
from storefront.accounts.models import Customer, StaffUser
from storefront.extensions import login_manager
from storefront.web.params import client_ip

signed_in = Namespace().signal("customer-signed-in")  # sender: the app; customer=...
FRESH_MINUTES = 30
FRESH_FOR = timedelta(minutes=FRESH_MINUTES)
PASSWORD_TYPED = "password_typed"  # session key: [digest of the login, unix time]
STAFF_PASSWORD_PAGE = "staff.change_password"
MUST_CHANGE = ("Someone else chose your password: choose your own now. The staff pages open "
               "once you have.")


@login_manager.user_loader
def _load(user_id):
    idle = timedelta(minutes=current_app.config["STAFF_IDLE_MINUTES"])
    return sessions.resolve(user_id, staff_idle=idle)


def current_customer():
    """The signed-in Customer, or None (anonymous or staff)."""
    user = current_user._get_current_object()
    return user if isinstance(user, Customer) else None


def personalizing():
    """False when the signed-in customer turned recommendations and recently viewed off
    (P11); a guest's recently viewed lives with the visitor cookie (P19)."""
    customer = current_customer()
    return customer is None or customer.personalized


def current_staff():
    """The signed-in StaffUser, or None."""
    user = current_user._get_current_object()
    return user if isinstance(user, StaffUser) else None


def _forget_browser_login():
    """Clear the cookie session and tell flask-login to delete the remember cookie.

    The order matters: logout_user() marks the remember cookie for deletion in the session,
    so the session is cleared first.
    """
    session.clear()
    logout_user()


def sign_in(principal, remember=False):
    """Start a server-side session in a fresh cookie session (nothing carried over but the
    cart count), then let listeners react (the cart merges the guest cart)."""
    if current_user.is_authenticated:
        sessions.end(current_user.get_id())
    cart_count = session.get("cart_count")
    _forget_browser_login()
    remember = remember and isinstance(principal, Customer)
    principal.session_id = sessions.start(
        client_ip(), customer=principal if isinstance(principal, Customer) else None,
        staff=principal if isinstance(principal, StaffUser) else None, remembered=remember)
    login_user(principal, remember=remember)
    _mark_fresh()
    if cart_count is not None:
        session["cart_count"] = cart_count
    if isinstance(principal, Customer):
        signed_in.send(current_app._get_current_object(), customer=principal)


def _login_digest():
    """A short digest of the login the session holds, so a freshness mark belongs to it."""
    return hashlib.sha256(str(current_user.get_id()).encode()).hexdigest()[:16]


def _mark_fresh():
    """The password was typed in this browser session just now."""
    session[PASSWORD_TYPED] = [_login_digest(), int(time.time())]


def login_is_fresh():
    """True when the signed-in person typed their password in this browser session within
    FRESH_FOR, and flask-login has not marked the session stale since (restored from the
    remember cookie, or seen from another browser or address)."""
    if not current_user.is_authenticated or not login_fresh():
        return False
    mark = session.get(PASSWORD_TYPED)
    if not isinstance(mark, list) or len(mark) != 2 or not isinstance(mark[1], int):
        return False
    return mark[0] == _login_digest() and 0 <= time.time() - mark[1] <= \
        FRESH_FOR.total_seconds()


def confirm_password(password):
    """The signed-in customer typed their password again: when it is right, the login is
    fresh; else service.AccountError for the `password` field. A wrong one counts as a
    failed sign-in."""
    service.check_password(current_customer(), password or "", client_ip(),
                           current_app.config["SECRET_KEY"])
    password_confirmed()


def password_confirmed():
    """A form just checked the signed-in person's password: their login is fresh again."""
    confirm_login()
    _mark_fresh()


def fresh_login_required(resume="accounts.overview"):
    """Only a customer whose login is fresh; others confirm their password first.

    A GET comes back to its own page afterwards; a POST cannot be sent again for them, so it
    comes back to the page of the `resume` endpoint (where its form is) to be sent again.
    """
    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if current_customer() is not None and not login_is_fresh():
                back = request.full_path.rstrip("?") if request.method == "GET" else \
                    url_for(resume)
                return redirect(url_for("accounts.confirm", next=back))
            return view(*args, **kwargs)
        return guarded
    return decorate


def sign_out_everywhere():
    """Sign out and end every session of the account (all browsers and devices)."""
    user = current_user._get_current_object()
    if isinstance(user, Customer):
        sessions.end_all(customer=user)
    elif isinstance(user, StaffUser):
        sessions.end_all(staff=user)
    _forget_browser_login()


def no_store_when_signed_in(response):
    """Pages for a signed-in person are never kept by browser or proxy caches.

    Only HTML pages: images and stylesheets keep their own caching (and cost no user lookup).
    """
    if response.mimetype == "text/html" and current_user.is_authenticated:
        response.headers["Cache-Control"] = "no-store"
    return response


def customer_required(view):
    """Only a signed-in customer; others go to the sign-in page."""
    @wraps(view)
    def guarded(*args, **kwargs):
        if current_customer() is None:
            if current_staff() is not None:
                abort(403)
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return guarded


def staff_route(*roles):
    """Declare the staff roles a route allows; everyone else is refused.

    The declaration is kept on the view (staff_roles) so the role-matrix test finds every
    staff route by itself. A member whose password someone else chose is sent to choose
    their own before any staff page opens (signing out is not a staff route).
    """
    allowed = frozenset(roles)

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            staff = current_staff()
            if staff is None:
                if current_user.is_authenticated:
                    abort(403)
                return redirect(url_for("staff.login", next=request.full_path.rstrip("?")))
            if staff.must_change_password and request.endpoint != STAFF_PASSWORD_PAGE:
                flash(MUST_CHANGE, "error")
                return redirect(url_for(STAFF_PASSWORD_PAGE))
            if not staff.role_set & allowed:
                abort(403)
            return view(*args, **kwargs)
        guarded.staff_roles = allowed
        return guarded
    return decorate
