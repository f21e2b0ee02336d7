"""My Account → Saved cards: see them (first digit, last four, expiry) and remove one.

Both need a fresh login (the password typed lately in this browser session), so a browser
that kept its owner signed in does not let anyone else change the cards.
"""
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from storefront.accounts.current import (current_customer, customer_required,
                                         fresh_login_required)
from storefront.accounts.forms import EmptyForm
from storefront.payments import service
from storefront.payments.models import SavedCard

bp = Blueprint("cards", __name__, url_prefix="/account/cards", template_folder="templates")


@bp.get("/")
@customer_required
@fresh_login_required()
def saved():
    """The account's saved cards, as the shop knows them."""
    return render_template("payments/saved.html", cards=list(SavedCard.of_customer(
        current_customer())), today=date.today(), form=EmptyForm())


@bp.post("/<int:card_id>/remove")
@customer_required
@fresh_login_required(resume="cards.saved")
def remove(card_id):
    """Forget a saved card: its sealed number is deleted with it."""
    if not EmptyForm().validate_on_submit():
        abort(400, "The form expired. Please try again.")
    if not service.forget_card(current_customer(), card_id):
        abort(404)
    flash("The card was removed from your account.", "success")
    return redirect(url_for("cards.saved"))
