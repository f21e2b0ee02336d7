"""The phone order an associate is taking in this browser, as every step of it finds, keeps
and records it (care/phone_items.py and care/phone_orders.py)."""
from flask import abort, flash, redirect, session, url_for

from storefront.accounts.current import current_staff
from storefront.checkout import by_phone
from storefront.privacy import audit

ROLES = ("care", "admin")
EXPIRED = "The form expired. Please try again."


def stored():
    """The draft of the order being taken, as the session keeps it (or None)."""
    return session.get(by_phone.SESSION_KEY)


def find():
    """The phone order this associate is taking in this browser, or None."""
    return by_phone.current(stored(), current_staff().id)


def current():
    """The phone order this associate is taking; without one, back to the start page."""
    order = find()
    if order is None:
        flash("Start a phone order first.", "error")
        abort(redirect(url_for("care_phone.start")))
    return order


def keep(order):
    """Store the order's draft in the session."""
    order.draft.store(session, by_phone.SESSION_KEY)


def seen(customer, page):
    """An existing customer's details are on the page: record who looked."""
    if customer is not None:
        audit.viewed(current_staff(), f"phone order for customer {customer.id}: {page}",
                     customer_id=customer.id, address=customer.email)


def explain_expired_token(form):
    """Say at the top of the form when its CSRF token failed (it has no field to show it)."""
    if "csrf_token" in form.errors and EXPIRED not in form.form_errors:
        form.form_errors.append(EXPIRED)
