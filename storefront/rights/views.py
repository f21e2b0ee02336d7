"""My Account → Download my data, Delete my account."""
import json

from flask import (Blueprint, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField
from wtforms.validators import InputRequired, Length

from storefront.accounts.current import current_customer, customer_required, sign_out_everywhere
from storefront.accounts.forms import EmptyForm, attach_error
from storefront.accounts.views import LAST_EMAIL_COOKIE
from storefront.db import utcnow
from storefront.rights import erasure, export
from storefront.web.params import client_ip

bp = Blueprint("rights", __name__, url_prefix="/account", template_folder="templates")


class DeleteAccountForm(FlaskForm):
    password = PasswordField("Your password", validators=[
        InputRequired("Enter your password."), Length(max=128)],
        render_kw={"autocomplete": "current-password"})
    confirm = BooleanField("I want my account deleted, knowing that this cannot be undone",
                           validators=[InputRequired("Tick this box to confirm.")])


@bp.route("/data", methods=["GET", "POST"])
@customer_required
def my_data():
    """What the download holds; its form sends everything we hold as a JSON file."""
    form = EmptyForm()
    if not form.validate_on_submit():
        return render_template("rights/data.html", form=form)
    data = export.holder_download(current_customer(), client_ip())
    response = current_app.response_class(json.dumps(data, ensure_ascii=False, indent=2),
                                          mimetype="application/json")
    response.headers["Content-Disposition"] = \
        f'attachment; filename="storefront-data-{utcnow():%Y%m%d}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/delete", methods=["GET", "POST"])
@customer_required
def delete_account():
    """What deleting erases and keeps, and the form that does it (password and a box)."""
    customer = current_customer()
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            erasure.delete_account(customer, form.password.data, client_ip(),
                                   current_app.config["SECRET_KEY"], utcnow())
        except erasure.ErasureRefused as error:
            attach_error(form, error)
        else:
            sign_out_everywhere()
            flash("Your account is deleted, and you are signed out.", "success")
            response = redirect(url_for("catalogue.home"))
            response.delete_cookie(LAST_EMAIL_COOKIE, httponly=True, samesite="Lax",
                                   secure=current_app.config["SESSION_COOKIE_SECURE"])
            return response
    status = 400 if request.method == "POST" else 200
    return render_template("rights/delete.html", form=form,
                           open_orders=erasure.open_orders(customer)), status
