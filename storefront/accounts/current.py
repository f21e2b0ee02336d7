"""Who is signed in: flask-login wiring, sign-in and sign-out, and route guards."""
from datetime import timedelta
from functools import wraps

from flask import abort, current_app, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from storefront.accounts import sessions
from storefront.accounts.models import Customer, StaffUser
from storefront.extensions import login_manager


@login_manager.user_loader
def _load(user_id):
    idle = timedelta(minutes=current_app.config["STAFF_IDLE_MINUTES"])
    return sessions.resolve(user_id, staff_idle=idle)


def current_customer():
    """The signed-in Customer, or None (anonymous or staff)."""
    user = current_user._get_current_object()
    return user if isinstance(user, Customer) else None


def current_staff():
    """The signed-in StaffUser, or None."""
    user = current_user._get_current_object()
    return user if isinstance(user, StaffUser) else None


def sign_in(principal, remember=False):
    """Start a server-side session in a fresh cookie session (no state carried over)."""
    keep = {key: session[key] for key in ("cart_count",) if key in session}
    end_current()
    session.clear()
    session.update(keep)
    principal.session_id = sessions.start(
        request.remote_addr, customer=principal if isinstance(principal, Customer) else None,
        staff=principal if isinstance(principal, StaffUser) else None)
    login_user(principal, remember=remember and isinstance(principal, Customer))


def end_current():
    """End the session of whoever is signed in on this browser, if anyone."""
    if current_user.is_authenticated:
        sessions.end(current_user.get_id())
    logout_user()


def sign_out_everywhere():
    """Sign out and end every session of the account (all browsers and devices)."""
    user = current_user._get_current_object()
    if user.is_authenticated:
        if isinstance(user, Customer):
            sessions.end_all(customer=user)
        else:
            sessions.end_all(staff=user)
    logout_user()
    session.clear()


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
    staff route by itself.
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
            if not staff.role_set & allowed:
                abort(403)
            return view(*args, **kwargs)
        guarded.staff_roles = allowed
        return guarded
    return decorate
