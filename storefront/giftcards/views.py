"""Gift card pages: buy one (it goes into the cart), check a code's balance."""
from flask import Blueprint, current_app, flash, g, redirect, render_template, url_for

from storefront.accounts import throttle
from storefront.accounts.current import current_customer
from storefront.cart import service as cart_service
from storefront.cart.views import remember_count
from storefront.giftcards import service
from storefront.giftcards.balance import check_balance
from storefront.giftcards.forms import BalanceForm, GiftCardForm
from storefront.web.money import format_money
from storefront.web.params import client_ip

bp = Blueprint("giftcards", __name__, url_prefix="/gift-cards", template_folder="templates")


@bp.route("/", methods=["GET", "POST"])
def buy():
    """Buy a gift card: it waits in the cart, and its code is mailed when the order is paid."""
    form = GiftCardForm()
    if form.validate_on_submit():
        amount_cents = form.amount_cents()
        try:
            cart = cart_service.add_gift_card(
                g.visitor_id, current_customer(), client_ip(), amount_cents,
                form.recipient_name.data, form.recipient_email.data, form.sender_name.data,
                form.message.data)
        except cart_service.CartError as error:
            form.form_errors.append(str(error))
        else:
            remember_count(cart)
            flash(f"Added a {format_money(amount_cents)} gift card for "
                  f"{form.recipient_name.data} to your cart.", "success")
            return redirect(url_for("cart.show"))
    return render_template("giftcards/buy.html", form=form, min_cents=service.MIN_CENTS,
                           max_cents=service.MAX_CENTS), 400 if form.errors else 200


@bp.route("/balance", methods=["GET", "POST"])
def balance():
    """Check what is left on a gift card: the balance and the code's last four, nothing more."""
    form = BalanceForm()
    card, status = None, 200
    if form.validate_on_submit():
        try:
            card = check_balance(form.code.data, client_ip(), current_app.config["SECRET_KEY"])
        except throttle.Throttled as error:
            form.form_errors.append(str(error))
            status = 429
        except service.GiftCardError as error:
            form.code.errors.append(str(error))
        else:
            form.code.data = ""  # the page does not echo a working code back
    if form.errors and status == 200:
        status = 400
    return render_template("giftcards/balance.html", form=form, card=card), status
