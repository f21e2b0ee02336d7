"""Catalogue requests (P1): the public form, and the staff page that exports the pending
requests for the mail house and marks them sent."""
from flask import Response, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import EmailField, FormField, HiddenField
from wtforms.validators import InputRequired, Length, Optional

from storefront.accounts.current import current_staff, staff_route
from storefront.accounts.forms import AddressForm, attach_error
from storefront.accounts.service import AddressData
from storefront.marketing import catalogue
from storefront.marketing.blueprints import public, staff
from storefront.privacy import audit
from storefront.privacy.forms import ConsentBoxes
from storefront.web.params import client_ip, int_arg, whole_number

ROLES = ("marketing", "admin")
ON_ITS_WAY = ("A catalogue is already on its way to this address, so we have not asked for "
              "another. It should reach you soon.")


class CatalogueRequestForm(ConsentBoxes, FlaskForm):
    """Where to send the catalogue; an email only for those who want mail from us too."""

    address = FormField(AddressForm, "Where to send it")
    email = EmailField("Email (optional)", validators=[Optional(), Length(max=254)],
                       render_kw={"autocomplete": "email"})


class MarkSentForm(FlaskForm):
    """The cut-off of the export the staff member downloaded."""

    upto = HiddenField(validators=[InputRequired("Download the requests first.")])
    count = HiddenField(validators=[InputRequired("Download the requests first.")])


@public.route("/catalogue/request", methods=["GET", "POST"])
def catalogue_request():
    """Ask for the printed catalogue by post."""
    form = CatalogueRequestForm()
    if form.validate_on_submit():
        try:
            _, created = catalogue.request_catalogue(
                AddressData.from_mapping(form.address.data), form.email.data or "",
                form.consent_choices(), client_ip())
        except catalogue.CatalogueError as error:
            attach_error(form, error)
        else:
            flash("Thank you: your catalogue will be posted to you." if created
                  else ON_ITS_WAY, "success")
            return redirect(url_for("marketing.catalogue_requested"))
    return render_template("marketing/catalogue_request.html", form=form), \
        400 if form.errors else 200


@public.get("/catalogue/request/done")
def catalogue_requested():
    """The request is in (or one for the address already was)."""
    return render_template("marketing/catalogue_requested.html")


@staff.get("/catalogue")
@staff_route(*ROLES)
def catalogue_requests():
    """How many requests wait for the mail house; download them, then mark them sent."""
    waiting, upto = catalogue.pending_summary()
    return render_template("marketing/catalogue_staff.html", waiting=waiting, upto=upto,
                           form=MarkSentForm(formdata=None, upto=upto, count=waiting))


@staff.get("/catalogue/requests.csv")
@staff_route(*ROLES)
def catalogue_csv():
    """The pending requests up to ?upto= (default: all) as CSV for the mail house."""
    upto = int_arg("upto", None, 0, 2_147_483_647)
    if upto is None:
        upto = catalogue.pending_summary()[1]
    rows = catalogue.pending_requests(upto)
    audit.exported(current_staff(), f"catalogue requests up to {upto} for the mail house",
                   [(None, row.email) for row in rows])
    return Response(catalogue.mail_house_csv(rows), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="catalogue-requests-upto-{upto}.csv"',
        "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})


@staff.post("/catalogue/sent")
@staff_route(*ROLES)
def catalogue_sent():
    """Mark the requests of the downloaded export as sent (none that arrived since)."""
    form = MarkSentForm()
    valid = form.validate_on_submit()
    upto = whole_number(form.upto.data) if valid else None
    expected = whole_number(form.count.data) if valid else None
    if upto is None or expected is None:
        flash("Nothing was marked: download the requests below, then mark them.", "error")
        return catalogue_requests(), 400
    try:
        marked = catalogue.mark_sent(upto, expected)
    except catalogue.ExportChanged as error:
        flash(str(error), "error")
        return catalogue_requests(), 409
    flash(f"{marked} request{'s' if marked != 1 else ''} marked as sent.", "success")
    return redirect(url_for("marketing_staff.catalogue_requests"))
