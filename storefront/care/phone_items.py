"""Care → Phone orders, step 1: find products by name or SKU and put them in the order.

The views sit on the care_phone blueprint (phone_orders adds them with add_routes), so their
endpoints are care_phone.items, care_phone.add and care_phone.update.
"""
from flask import abort, flash, redirect, render_template, url_for

from storefront.accounts.current import staff_route
from storefront.care import order_being_taken
from storefront.care.order_being_taken import EXPIRED, ROLES
from storefront.cart.forms import AddToCartForm, UpdateLineForm
from storefront.cart.service import CartError, orderable_product
from storefront.checkout import by_phone
from storefront.web.params import text_arg, whole_number


def _items_page(order, errors=None, status=200):
    """The phone cart and the product search. errors: {("add" or "line", product id):
    message}; one about a product on the page is next to its quantity, any other at the top."""
    query = text_arg("q", 100)
    found, more = by_phone.find_products(query)
    summary = order.review()[1]
    errors = dict(errors or {})
    shown = {("add", p.id) for p in found if p.orderable} | \
        {("line", line.product.id) for line in summary.lines}
    other_errors = [errors.pop(key) for key in list(errors) if key not in shown]
    order_being_taken.seen(order.customer, "items")
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
    return _items_page(order_being_taken.current())


def _change_items(form, where, change, told):
    """Apply a posted change (change(order, product id, quantity)) to the order's cart: back to
    the items with told(product id, quantity) said, or the items page again with the error next
    to the quantity (where: "add" or "line") and a 400."""
    order = order_being_taken.current()
    product_id = _product_id(form)
    if not form.validate():
        return _items_page(order, {(where, product_id): " ".join(form.quantity.errors) or
                                   EXPIRED}, 400)
    try:
        change(order, product_id, form.quantity.data)
    except CartError as error:
        return _items_page(order, {(where, product_id): str(error)}, 400)
    flash(told(product_id, form.quantity.data), "success")
    return _back_to_items()


@staff_route(*ROLES)
def add():
    """Add a quantity of a product."""
    return _change_items(AddToCartForm(), "add", by_phone.add_item, lambda product_id, quantity:
                         f"Added {quantity} × {orderable_product(product_id).name}.")


@staff_route(*ROLES)
def update():
    """Change a line's quantity; 0 (the "Remove" button) removes it."""
    return _change_items(UpdateLineForm(), "line", by_phone.set_quantity, lambda _, quantity:
                         "The item was removed." if quantity == 0 else
                         "The quantity was changed.")


def add_routes(bp):
    """Put the item step on the phone-order blueprint."""
    bp.add_url_rule("/items", view_func=items, methods=["GET"])
    bp.add_url_rule("/items/add", view_func=add, methods=["POST"])
    bp.add_url_rule("/items/update", view_func=update, methods=["POST"])
