"""The public contact form (/contact): a message to Customer Care, who answer by email."""
from flask import Blueprint, current_app, redirect, render_template, request, url_for

from storefront.accounts.current import current_customer
from storefront.accounts.forms import attach_error
from storefront.privacy import consent
from storefront.support import service
from storefront.support.forms import ContactForm
from storefront.web.params import client_ip

bp = Blueprint("support", __name__, template_folder="templates")


@bp.route("/contact", methods=["GET", "POST"])
def contact():
    """Write to Customer Care; a signed-in customer finds their name, email and marketing
    choices filled in."""
    customer = current_customer()
    form = ContactForm()
    if request.method == "GET" and customer is not None:
        form.name.data, form.email.data = customer.name, customer.email
        form.show_current(consent.current(customer.id, customer.email))
    if form.validate_on_submit():
        try:
            service.receive_contact(form.name.data, form.email.data, form.subject.data,
                                    form.body.data, customer=customer,
                                    consents=form.consent_choices(), ip=client_ip(),
                                    secret=current_app.config["SECRET_KEY"])
        except service.SupportError as error:
            attach_error(form, error)
        else:
            return redirect(url_for("support.thanks"))
    return render_template("support/contact.html", form=form), 400 if form.errors else 200


@bp.get("/contact/thanks")
def thanks():
    """The message arrived; care answer by email."""
    return render_template("support/thanks.html")
