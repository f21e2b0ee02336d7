"""The cart page and its forms."""
from flask import Blueprint, abort, flash, g, redirect, render_template, session, url_for

from storefront.accounts.current import current_customer, signed_in
from storefront.cart import service
from storefront.cart.forms import (AddToCartForm, RemoveGiftCardForm, RemoveLineForm,
                                   UpdateLineForm)
from storefront.catalogue.views import render_product_page
from storefront.web.params import client_ip, whole_number

bp = Blueprint("cart", __name__, url_prefix="/cart", template_folder="templates")


def _known_visitor():
    """The visitor id only when the browser sent it back (a new id has no cart yet)."""
    return None if g.visitor_is_new else g.visitor_id


def remember_count(cart):
    """Keep the cart's item count in the session (the header shows it); return the summary."""
    summary = service.summarise(cart)
    session["cart_count"] = summary.item_count
    return summary


@signed_in.connect
def _merge_at_sign_in(sender, customer, **extra):
    """A guest cart becomes the customer's at sign-in (cart listens; accounts knows no carts)."""
    remember_count(service.merge_guest_cart(_known_visitor(), customer, client_ip()))


def _product_id(form):
    product_id = whole_number(form.product_id.data)
    if product_id is None:
        abort(400, "That is not a product of ours.")
    return product_id


def _cart_page(line_errors=None, status=200):
    """The cart; an error about a line is shown next to it, any other at the top."""
    cart = service.find_cart(_known_visitor(), current_customer())
    summary = remember_count(cart) if cart else service.summarise(None)
    line_errors = dict(line_errors or {})
    shown = {line.product.id for line in summary.lines}
    other_errors = [line_errors.pop(key) for key in list(line_errors) if key not in shown]
    return render_template("cart/cart.html", summary=summary, line_errors=line_errors,
                           other_errors=other_errors), status


@bp.get("/")
def show():
    """The cart with its lines and total."""
    return _cart_page()


@bp.post("/add")
def add():
    """Add a product; on a bad quantity the product page shows the error next to the field."""
    form = AddToCartForm()
    product = service.orderable_product(_product_id(form))
    if product is None:
        abort(404)
    if form.validate():
        try:
            cart = service.add_item(g.visitor_id, current_customer(), client_ip(), product.id,
                                    form.quantity.data)
        except service.CartError as error:
            form.quantity.errors.append(str(error))
        else:
            remember_count(cart)
            flash(f"Added {product.name} to your cart.", "success")
            return redirect(url_for("cart.show"))
    return render_product_page(product, cart_form=form, status=400)


def _change_quantity(product_id, quantity, done_message):
    """Apply the change, or show the cart again with the reason next to that line."""
    try:
        cart = service.set_quantity(_known_visitor(), current_customer(), client_ip(),
                                    product_id, quantity)
    except service.CartError as error:
        return _cart_page({product_id: str(error)}, 400)
    remember_count(cart)
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
    product_id = _product_id(form)
    if not form.validate():
        return _cart_page({product_id: "That item could not be removed. Please try again."}, 400)
    return _change_quantity(product_id, 0, "The item was removed.")


@bp.post("/remove-gift-card")
def remove_gift_card():
    """Take a gift card out of the cart."""
    form = RemoveGiftCardForm()
    gift_card_id = whole_number(form.gift_card_id.data)
    if gift_card_id is None:
        abort(400, "That is not a gift card in your cart.")
    if not form.validate():
        return _cart_page({None: "That gift card could not be removed. Please try again."}, 400)
    try:
        cart = service.remove_gift_card(_known_visitor(), current_customer(), client_ip(),
                                        gift_card_id)
    except service.CartError as error:
        return _cart_page({None: str(error)}, 400)
    remember_count(cart)
    flash("The gift card was removed.", "success")
    return redirect(url_for("cart.show"))
