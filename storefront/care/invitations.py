"""Care → an order's page: email the caller of a guest order an invitation to open an
account (storefront/checkout/invitation.py), sent only when the caller asks for one.

The button posts to care_orders.invite (orders.py adds the route with add_routes); the order
page (care_customers.order) shows it with what `offer` gives, to care and admin only.
"""
from dataclasses import dataclass
from datetime import datetime

from flask import abort, current_app, flash, redirect, url_for

from storefront.accounts.current import current_staff, staff_route
from storefront.accounts.forms import EmptyForm
from storefront.checkout import invitation
from storefront.orders import service as orders
from storefront.web.params import client_ip

ROLES = ("care", "admin")


@dataclass(frozen=True)
class Offer:
    """The invitation part of a guest order's page: why none can be sent ('' when one can),
    when the last one went (or None), and the button's form."""

    refusal: str
    last_sent_at: datetime | None
    form: EmptyForm
    link_days: int = invitation.LINK_DAYS


def offer(order):
    """What the order page shows about invitations; None for an order in an account."""
    if order.customer_id is not None:
        return None
    return Offer(invitation.refusal(order), invitation.last_sent(order),
                 EmptyForm(formdata=None))


@staff_route(*ROLES)
def invite(number):
    """Email the order's address a link to open an account with the order in it."""
    order = orders.order_by_number(number)
    if order is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        sent_at, sent = invitation.send(order, current_staff().id, client_ip(),
                                        current_app.config)
    except invitation.NotSent as error:
        flash(str(error), "error")
    else:
        if sent:
            flash(f"The invitation is on its way to {order.email}. Its link works for "
                  f"{invitation.LINK_DAYS} days.", "success")
        else:
            flash(f"An invitation went to {order.email} at {sent_at:%H:%M} UTC, moments ago: "
                  "nothing more was sent.", "success")
    return redirect(url_for("care_customers.order", number=order.number,
                            _anchor="invitation"))


def add_routes(bp):
    """Put the invitation button's action on the care orders blueprint."""
    bp.add_url_rule("/<number>/invitation", view_func=invite, methods=["POST"])
