"""Care → Phone orders, step 1: find products by name or SKU and put them in the order. Also
the order being taken, which every step starts from.

The views sit on the care_phone blueprint (phone_orders adds them with add_routes), so their
endpoints are care_phone.items, care_phone.add and care_phone.update.
"""
from flask import abort, flash, redirect, render_template, session, url_for

from storefront.accounts.current import current_staff, staff_route
from storefront.cart.forms import AddToCartForm, UpdateLineForm
from storefront.cart.service import CartError, orderable_product
from storefront.checkout import phone
from storefront.privacy import audit
from storefront.web.params import text_arg, whole_number

ROLES = ("care", "admin")
EXPIRED = "The form expired. Please try again."


def taking():
    """The phone order this associate is taking; without one, back to the start page."""
    order = phone.current(session, current_staff().id)
    if order is None:
        flash("Start a phone order first.", "error")
        abort(redirect(url_for("care_phone.start")))
    return order


def seen(customer, page):
    """An existing customer's details are on the page: record who looked."""
    if customer is not None:
        audit.viewed(current_staff(), f"phone order for customer {customer.id}: {page}",
                     customer_id=customer.id, address=customer.email)


def _items_page(order, errors=None, status=200):
    """The phone cart and the product search. errors: {("add" or "line", product id):
    message}; one about a product on the page is next to its quantity, any other at the top."""
    query = text_arg("q", 100)
    found, more = phone.find_products(query)
    summary = order.review()[1]
    errors = dict(errors or {})
    shown = {("add", p.id) for p in found if p.orderable} | \
        {("line", line.product.id) for line in summary.lines}
    other_errors = [errors.pop(key) for key in list(errors) if key not in shown]
    seen(order.customer, "items")
    return render_template("care/phone_items.html", order=order, query=query, found=found,
                           more=more, summary=summary, errors=errors,
                           other_errors=other_errors), status


def _product_id(form):
    product_id = whole_number(form.product_id.data)
    if product_id is None:
        abort(400, "That is not a product of ours.")
    return product_id


def _back_to_items():
    return redirect(url_for("care_phone.items", q=text_arg("q", 100) or None))


@staff_route(*ROLES)
def items():
    """Step 1: find products by name or SKU (?q=) and put them in the order."""
    return _items_page(taking())


@staff_route(*ROLES)
def add():
    """Add a quantity of a product."""
    order, form = taking(), AddToCartForm()
    product_id = _product_id(form)
    if not form.validate():
        return _items_page(order, {("add", product_id): " ".join(form.quantity.errors) or
                                  EXPIRED}, 400)
    try:
        phone.add_item(order, product_id, form.quantity.data)
    except CartError as error:
        return _items_page(order, {("add", product_id): str(error)}, 400)
    flash(f"Added {form.quantity.data} × {orderable_product(product_id).name}.", "success")
    return _back_to_items()


@staff_route(*ROLES)
def update():
    """Change a line's quantity; 0 (the "Remove" button) removes it."""
    order, form = taking(), UpdateLineForm()
    product_id = _product_id(form)
    if not form.validate():
        return _items_page(order, {("line", product_id): " ".join(form.quantity.errors) or
                                   EXPIRED}, 400)
    try:
        phone.set_quantity(order, product_id, form.quantity.data)
    except CartError as error:
        return _items_page(order, {("line", product_id): str(error)}, 400)
    flash("The item was removed." if form.quantity.data == 0 else "The quantity was changed.",
          "success")
    return _back_to_items()


def add_routes(bp):
    """Put the item step on the phone-order blueprint."""
    bp.add_url_rule("/items", view_func=items, methods=["GET"])
    bp.add_url_rule("/items/add", view_func=add, methods=["POST"])
    bp.add_url_rule("/items/update", view_func=update, methods=["POST"])
