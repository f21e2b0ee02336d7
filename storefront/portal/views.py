"""The partner portal: a partner's staff see their own co-brand customers and orders only.

Every route is for the role "partner", and every record comes through portal.scope with the
signed-in account's own partner. A record outside the scope (another partner's, the shop's
own, or none at all) gets the same answer as one that does not exist.
"""
from flask import Blueprint, Response, abort, redirect, render_template, url_for

from storefront.accounts.current import current_staff, staff_route
from storefront.portal import export, scope
from storefront.privacy import audit

bp = Blueprint("portal", __name__, url_prefix="/partner", template_folder="templates")


def _partner():
    """The partner of the signed-in partner staff account (None: not tied to one)."""
    return current_staff().partner


def _not_found(what):
    """The same 404 for another partner's record, the shop's own and one that does not exist."""
    abort(404, f"There is no such {what} among yours.")


@bp.get("/")
@staff_route("partner")
def home():
    """The portal starts with the partner's customers."""
    return redirect(url_for("portal.customers"))


@bp.get("/customers")
@staff_route("partner")
def customers():
    """The partner's own customers."""
    partner = _partner()
    found = scope.customers(partner)
    audit.listed(current_staff(), "partner portal: customers", [(c.id, c.email) for c in found])
    return render_template("portal/customers.html", partner=partner, customers=found)


@bp.get("/customers/<int(max=2147483647):customer_id>")
@staff_route("partner")
def customer(customer_id):
    """One of the partner's customers, with their co-branded orders."""
    partner = _partner()
    found = scope.customer(partner, customer_id)
    if found is None:
        return _not_found("customer")
    audit.viewed(current_staff(), "partner portal: customer", customer_id=found.id,
                 address=found.email)
    return render_template("portal/customer.html", partner=partner, customer=found,
                           orders=scope.orders_of(partner, customer_id))


@bp.get("/orders")
@staff_route("partner")
def orders():
    """The partner's co-branded orders."""
    partner = _partner()
    found = scope.orders(partner)
    audit.listed(current_staff(), "partner portal: orders", [(o.customer_id, "") for o in found])
    return render_template("portal/orders.html", partner=partner, orders=found)


@bp.get("/orders/<number>")
@staff_route("partner")
def order(number):
    """One co-branded order: its lines, their statuses and the totals."""
    partner = _partner()
    found = scope.order(partner, number)
    if found is None:
        return _not_found("order")
    audit.viewed(current_staff(), f"partner portal: order {found.number}",
                 customer_id=found.customer_id)
    return render_template("portal/order.html", partner=partner, order=found)


def _download(text, name):
    return Response(text, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store"})


@bp.get("/export/customers.csv")
@staff_route("partner")
def export_customers():
    """The partner's customers as CSV."""
    found = scope.customers(_partner())
    audit.exported(current_staff(), "partner portal: customers.csv",
                   [(c.id, c.email) for c in found])
    return _download(export.customers_csv(found), "customers.csv")


@bp.get("/export/orders.csv")
@staff_route("partner")
def export_orders():
    """The partner's co-branded orders as CSV, one row per line."""
    found = scope.orders(_partner())
    audit.exported(current_staff(), "partner portal: orders.csv",
                   [(o.customer_id, "") for o in found])
    return _download(export.orders_csv(found), "orders.csv")
