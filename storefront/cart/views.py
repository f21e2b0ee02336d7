"""The cart page and its forms."""
from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for

from storefront.accounts.current import current_customer
from storefront.cart import service
from storefront.cart.forms import AddToCartForm, RemoveLineForm, UpdateLineForm
from storefront.catalogue.models import Product
from storefront.catalogue.views import render_product_page

bp = Blueprint("cart", __name__, url_prefix="/cart", template_folder="templates")


def _remember_count(cart):
    summary = service.summarise(cart)
    session["cart_count"] = summary.item_count
    return summary


def _product_id(form):
    value = form.product_id.data or ""
    if not value.isdigit() or len(value) > 12:
        abort(400)
    return int(value)


def _cart_page(line_errors=None, status=200):
    cart = service.find_cart(g.visitor_id if not g.visitor_is_new else None, current_customer())
    summary = _remember_count(cart) if cart else service.summarise(None)
    return render_template("cart/cart.html", summary=summary,
                           line_errors=line_errors or {}), status


@bp.get("/")
def show():
    """The cart with its lines and total."""
    return _cart_page()


@bp.post("/add")
def add():
    """Add a product; on a bad quantity the product page shows the error next to the field."""
    form = AddToCartForm()
    product_id = _product_id(form)
    product = Product.get_or_none(Product.id == product_id,
                                  Product.is_hidden == False)  # noqa: E712
    if product is None:
        abort(404)
    if form.validate():
        try:
            cart = service.add_item(g.visitor_id, current_customer(), request.remote_addr,
                                    product_id, form.quantity.data)
        except service.CartError as error:
            form.quantity.errors.append(str(error))
        else:
            _remember_count(cart)
            flash(f"Added {product.name} to your cart.", "success")
            return redirect(url_for("cart.show"))
    return render_product_page(product, cart_form=form, status=400)


def _change_quantity(product_id, quantity, done_message):
    """Apply the change, or show the cart again with the reason next to that line."""
    try:
        cart = service.set_quantity(g.visitor_id, current_customer(), request.remote_addr,
                                    product_id, quantity)
    except service.CartError as error:
        return _cart_page({product_id: str(error)}, 400)
    _remember_count(cart)
    flash(done_message, "success")
    return redirect(url_for("cart.show"))


@bp.post("/update")
def update():
    """Change a line's quantity (0 removes it)."""
    form = UpdateLineForm()
    product_id = _product_id(form)
    if not form.validate():
        return _cart_page({product_id: " ".join(form.quantity.errors)}, 400)
    return _change_quantity(product_id, form.quantity.data, "Your cart was updated.")


@bp.post("/remove")
def remove():
    """Remove a line."""
    form = RemoveLineForm()
    if not form.validate():
        return redirect(url_for("cart.show"))
    return _change_quantity(_product_id(form), 0, "The item was removed.")
