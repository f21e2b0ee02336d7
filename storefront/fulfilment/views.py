"""Staff → Fulfilment: orders to ship, shipping all or part of one, line statuses."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from storefront.accounts.current import current_staff, staff_route
from storefront.accounts.forms import EmptyForm
from storefront.fulfilment import service
from storefront.fulfilment.carrier import carrier_for, tracking_url
from storefront.fulfilment.models import Shipment
from storefront.orders import service as orders
from storefront.orders.models import OrderLine
from storefront.payments import gateway
from storefront.privacy import audit
from storefront.web.params import whole_number

bp = Blueprint("fulfilment", __name__, url_prefix="/staff/fulfilment",
               template_folder="templates")
ROLES = ("fulfilment", "admin")


def _order(number):
    order = orders.order_by_number(number)
    if order is None:
        abort(404)
    return order


@bp.get("/")
@staff_route(*ROLES)
def queue():
    """Orders with lines waiting to ship, oldest first."""
    waiting = service.orders_to_ship()
    return render_template("fulfilment/queue.html", orders=waiting,
                           lines=orders.lines_by_order(waiting))


@bp.get("/<number>")
@staff_route(*ROLES)
def order(number):
    """One order: its lines, what can ship, its shipments."""
    found = _order(number)
    audit.viewed(current_staff(), f"order {found.number}: addresses and phone",
                 customer_id=found.customer_id, address=found.email)
    shipments = Shipment.of_order(found)
    template = current_app.config["CARRIER_TRACKING_URL"]
    pending = any(s.status == Shipment.PENDING for s in shipments)
    return render_template("fulfilment/order.html", order=found,
                           lines=orders.lines_of(found), shipments=shipments,
                           links={s.id: tracking_url(template, s.tracking_number)
                                  for s in shipments if s.tracking_number},
                           pending=pending,
                           changes=service.LINE_CHANGES, labels=OrderLine.STATUS_LABELS,
                           form=EmptyForm())


@bp.post("/<number>/ship")
@staff_route(*ROLES)
def ship(number):
    """Ship the ticked lines: the carrier is called, the card captured, two emails sent."""
    found = _order(number)
    if not EmptyForm().validate_on_submit():
        abort(400, "The form expired. Please try again.")
    line_ids = [whole_number(raw) for raw in request.form.getlist("line")]
    finishing = request.form.get("finish") == "y"  # an unfinished shipment, whatever it holds
    if finishing:
        line_ids = None
    elif not line_ids or None in line_ids:
        flash("Tick the lines to ship.", "error")
        return redirect(url_for("fulfilment.order", number=found.number))
    try:
        shipped = service.ship(found, line_ids, current_staff(),
                               gateway.client_from_config(current_app.config),
                               carrier_for(current_app), current_app.config["CARRIER_TRACKING_URL"])
    except service.FulfilmentError as error:
        flash(str(error), "error")
    except gateway.PaymentError as error:
        flash(f"The payment could not be captured, so nothing was shipped: {error}", "error")
    else:
        earlier = "The shipment started earlier is finished. " if shipped.resumed else ""
        flash(f"{earlier}Shipped with tracking number {shipped.shipment.tracking_number}.",
              "success")
        if shipped.settle_error:
            flash(f"Settling the payment failed ({shipped.settle_error}); run "
                  f"`storefront orders settle {found.number}` later.", "error")
    return redirect(url_for("fulfilment.order", number=found.number))


@bp.post("/<number>/lines/<int(max=2147483647):line_id>")
@staff_route(*ROLES)
def change_line(number, line_id):
    """Set a line's status (and, if asked, the product's availability too)."""
    found = _order(number)
    if not EmptyForm().validate_on_submit():
        abort(400, "The form expired. Please try again.")
    status = request.form.get("status", "")
    if status in OrderLine.DROPPED and request.form.get("sure") != "y":
        flash("Tick “I am sure” to cancel or discontinue a line: it cannot be undone, and the "
              "customer is told at once.", "error")
        return redirect(url_for("fulfilment.order", number=found.number))
    try:
        line = service.change_line(found, line_id, status,
                                   gateway.client_from_config(current_app.config),
                                   also_product=request.form.get("also_product") == "y")
    except service.FulfilmentError as error:
        flash(str(error), "error")
    except gateway.PaymentError as error:
        flash(f"The line changed, but settling the payment failed: {error}", "error")
    else:
        flash(f"{line.name} is now: {line.status_label}.", "success")
    return redirect(url_for("fulfilment.order", number=found.number))
