"""The cart page and its forms."""
from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for

from storefront.accounts.current import current_customer
from storefront.cart import service
from storefront.cart.forms import AddToCartForm, RemoveLineForm, UpdateLineForm
from storefront.catalogue.models import Category, Product

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


@bp.get("/")
def show():
    """The cart with its lines and total."""
    cart = service.find_cart(g.visitor_id if not g.visitor_is_new else None, current_customer())
    summary = _remember_count(cart) if cart else service.summarise(None)
    return render_template("cart/cart.html", summary=summary, update_form=UpdateLineForm(),
                           remove_form=RemoveLineForm())


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
    product.category = Category.get_by_id(product.category_id)
    return render_template("catalogue/product.html", product=product, cart_form=form), 400


@bp.post("/update")
def update():
    """Change a line's quantity (0 removes it)."""
    form = UpdateLineForm()
    if not form.validate():
        flash(" ".join(form.quantity.errors) or "That change could not be made.", "error")
        return redirect(url_for("cart.show"))
    try:
        cart = service.set_quantity(g.visitor_id, current_customer(), request.remote_addr,
                                    _product_id(form), form.quantity.data)
    except service.CartError as error:
        flash(str(error), "error")
    else:
        _remember_count(cart)
        flash("Your cart was updated.", "success")
    return redirect(url_for("cart.show"))


@bp.post("/remove")
def remove():
    """Remove a line."""
    form = RemoveLineForm()
    if form.validate():
        try:
            cart = service.remove_item(g.visitor_id, current_customer(), request.remote_addr,
                                       _product_id(form))
        except service.CartError as error:
            flash(str(error), "error")
        else:
            _remember_count(cart)
            flash("The item was removed.", "success")
    return redirect(url_for("cart.show"))
