"""My Account → Orders: past orders with each line's status."""
from flask import Blueprint, abort, render_template

from storefront.accounts.current import current_customer, customer_required
from storefront.orders import service
from storefront.orders.models import Order

bp = Blueprint("orders", __name__, url_prefix="/account/orders", template_folder="templates")


@bp.get("/")
@customer_required
def history():
    """Every order of the signed-in customer, newest first, with its lines."""
    orders = list(Order.of_customer(current_customer()))
    return render_template("orders/history.html", orders=orders,
                           lines=service.lines_by_order(orders))


@bp.get("/<number>")
@customer_required
def detail(number):
    """One order: lines and their status, addresses, how it was paid."""
    order = service.order_of_customer(current_customer(), number)
    if order is None:
        abort(404)
    return render_template("orders/detail.html", order=order, lines=service.lines_of(order))
