"""Staff → Privacy: legal disclosures (P14) and the audit log.

Both are read-only records: there is no route to change or remove a disclosure or an event.
Only the legal team opens a disclosure and downloads its data; admins read along.
"""
import json

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import (DateField, EmailField, SelectChoice, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from storefront.accounts.current import current_staff, staff_route
from storefront.accounts.models import StaffUser
from storefront.privacy import audit
from storefront.privacy.models import AuditEvent, Disclosure
from storefront.rights import legal
from storefront.rights.staff_views import bp
from storefront.web.fields import strip
from storefront.web.params import client_ip, int_arg, whole_number

_ID = "<int(max=2147483647):disclosure_id>"
_FILTERS = ("staff", "person", "action", "since", "until")  # carried to the next page
ACTION_LABELS = {AuditEvent.VIEWED: "Viewed", AuditEvent.EXPORTED: "Exported",
                 AuditEvent.DISCLOSED: "Disclosed", AuditEvent.ERASED: "Erased",
                 AuditEvent.CHANGED: "Changed"}


class DisclosureForm(FlaskForm):
    """Whose data goes to which authority, for which case, on what legal basis."""

    email = EmailField("The person's email address", filters=[strip], validators=[
        DataRequired("Enter the email address of the person whose data is asked for."),
        Length(max=254), Email("Enter an email address like name@example.com.")])
    authority = StringField("Authority", filters=[strip], validators=[
        DataRequired("Enter the authority that asks for the data."), Length(max=200)])
    case_reference = StringField("Case reference", filters=[strip], validators=[
        DataRequired("Enter the authority's case reference."), Length(max=100)])
    legal_basis = TextAreaField("Legal basis", filters=[strip], validators=[
        DataRequired("Enter the legal basis: the law, order or warrant the request rests on."),
        Length(max=300)])


class AuditFilterForm(FlaskForm):
    """Which events to show. A GET form: it changes nothing, so it carries no CSRF token."""

    class Meta:
        csrf = False

    staff = SelectField("Staff member", default="")
    person = StringField("Person: customer number or email address", filters=[strip],
                         validators=[Optional(), Length(max=254)])
    action = SelectField("Action", default="", choices=[SelectChoice("", "Any action"), *(
        SelectChoice(value, label) for value, label in ACTION_LABELS.items())])
    since = DateField("From (UTC)", validators=[Optional()])
    until = DateField("To (UTC), that day included", validators=[Optional()])

    def __init__(self, members, **kwargs):
        super().__init__(**kwargs)
        self.staff.choices = [SelectChoice("", "Anyone"), *(
            SelectChoice(str(member.id), f"{member.name} <{member.email}>") for member in members)]

    def validate_until(self, field):
        """The period does not end before it starts."""
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("The end date is before the start date.")


def _disclosure_or_404(disclosure_id):
    found = Disclosure.get_or_none(Disclosure.id == disclosure_id)
    if found is None:
        abort(404)
    return found


def _staff_by_id():
    return {member.id: member for member in StaffUser.ordered()}


@bp.get("/disclosures")
@staff_route("legal", "admin")
def disclosures():
    """Every disclosure made, newest first."""
    page = int_arg("page", 1, 1, 100_000)
    rows, more = audit.page(legal.disclosures(), page)
    audit.listed(current_staff(), "disclosures list",
                 [(row.customer_id, row.email_key) for row in rows])
    return render_template("rights/disclosures.html", disclosures=rows, more=more, page=page,
                           staff=_staff_by_id())


@bp.route("/disclosures/new", methods=["GET", "POST"])
@staff_route("legal")
def new_disclosure():
    """Open a disclosure: recorded at once, then the person's data can be downloaded."""
    form = DisclosureForm()
    if form.validate_on_submit():
        try:
            disclosure = legal.open_disclosure(
                current_staff(), form.email.data, form.authority.data,
                form.case_reference.data, form.legal_basis.data, client_ip())
        except legal.UnknownPerson as error:
            form.email.errors.append(str(error))
        else:
            flash(f"Disclosure {disclosure.id} is recorded in the audit log.", "success")
            return redirect(url_for("rights_staff.disclosure", disclosure_id=disclosure.id))
    return render_template("rights/disclosure_new.html", form=form), \
        400 if form.errors else 200


@bp.get(f"/disclosures/{_ID}")
@staff_route("legal", "admin")
def disclosure(disclosure_id):
    """One disclosure: to whom, why, who opened it; the legal team downloads the data here."""
    found = _disclosure_or_404(disclosure_id)
    audit.viewed(current_staff(), f"disclosure {found.id}", customer_id=found.customer_id,
                 address=found.email_key)
    return render_template("rights/disclosure.html", disclosure=found,
                           opened_by=StaffUser.get_or_none(StaffUser.id == found.staff_id))


@bp.get(f"/disclosures/{_ID}/data.json")
@staff_route("legal")
def download(disclosure_id):
    """The disclosed person's data as a JSON file; every download is recorded."""
    found = _disclosure_or_404(disclosure_id)
    payload = legal.disclosure_data(found, current_staff(), client_ip(),
                                    current_app.config["SECRET_KEY"])
    return Response(json.dumps(payload, ensure_ascii=False, indent=2),
                    mimetype="application/json", headers={
                        "Content-Disposition": f'attachment; filename="disclosure-{found.id}.json"',
                        "Cache-Control": "no-store"})


@bp.get("/audit")
@staff_route("legal", "admin")
def audit_log():
    """Who looked at, exported or disclosed whose data, newest first, with filters."""
    members = _staff_by_id()
    form = AuditFilterForm(members.values(), formdata=request.args)
    page = int_arg("page", 1, 1, 100_000)
    rows, more = [], False
    valid = form.validate()
    if valid:
        rows, more = audit.page(legal.audit_events(
            staff_id=whole_number(form.staff.data), person=form.person.data,
            action=form.action.data, first_day=form.since.data, last_day=form.until.data), page)
    filters = {name: request.args[name] for name in _FILTERS if request.args.get(name)}
    return render_template("rights/audit.html", form=form, events=rows, more=more, page=page,
                           filters=filters, staff=members, labels=ACTION_LABELS), \
        200 if valid else 400
