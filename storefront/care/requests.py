"""Care → Request log (P8): a visitor's or an IP address's recent requests and errors, for
diagnosing what went wrong for someone."""
import ipaddress
from datetime import timedelta

from flask import Blueprint, render_template, request
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import Length, NumberRange, Optional, Regexp, ValidationError

from storefront.accounts.current import current_staff, staff_route
from storefront.db import utcnow
from storefront.privacy import audit
from storefront.tracking import requestlog
from storefront.web.fields import strip

bp = Blueprint("care_requests", __name__, url_prefix="/care/requests",
               template_folder="templates")

LIMIT = 200


class RequestSearchForm(FlaskForm):
    """Whose requests to show. A GET form: it changes nothing, so it carries no CSRF token
    (one in the address would end up in browser histories)."""

    class Meta:
        csrf = False

    ip = StringField("IP address", filters=[strip], validators=[Optional(), Length(max=45)])
    visitor = StringField("Visitor id", filters=[strip], validators=[
        Optional(), Length(max=64),
        Regexp(r"^[A-Za-z0-9_-]+$", message="A visitor id has letters, digits, - and _ only.")])
    days = IntegerField("Days back", default=7, validators=[
        Optional(), NumberRange(1, 365, message="Between 1 and 365 days.")])
    errors_only = BooleanField("Errors only (status 400 and above)")

    def validate_ip(self, field):
        """An IPv4 or IPv6 address, written the way the log writes it (so an IPv6 address in
        upper case or in full finds the same rows)."""
        try:
            field.data = str(ipaddress.ip_address(field.data))
        except ValueError:
            raise ValidationError("This is not an IPv4 or IPv6 address.") from None

    def validate(self, extra_validators=None):
        """The fields, and one of IP address and visitor id at least."""
        valid = super().validate(extra_validators)
        if valid and not (self.ip.data or self.visitor.data):
            self.form_errors.append("Enter an IP address, a visitor id, or both.")
            return False
        return valid


@bp.get("/")
@staff_route("care", "admin")
def index():
    """Find the requests of an IP address or a visitor over the last days, newest first."""
    form = RequestSearchForm(formdata=request.args)
    rows = None
    if request.args and form.validate():
        audit.viewed(current_staff(), f"request log of IP {form.ip.data or 'any'}, "
                                      f"visitor {form.visitor.data or 'any'}")
        rows = requestlog.find(utcnow() - timedelta(days=form.days.data or 7),
                               ip=form.ip.data or None, visitor=form.visitor.data or None,
                               errors_only=form.errors_only.data, limit=LIMIT)
    return render_template("care/requests.html", form=form, rows=rows, limit=LIMIT), \
        400 if form.errors else 200
