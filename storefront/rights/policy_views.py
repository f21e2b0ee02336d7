"""Staff → Privacy → Policy versions (P15): the versions published and which governs now, and
the form that publishes a new one (the legal team and admins)."""
from flask import current_app, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from storefront.accounts.current import current_staff, staff_route
from storefront.privacy.policy import FIRST_VERSION
from storefront.privacy.publishing import LABEL_LENGTH, USES_LENGTH, PublishError
from storefront.rights import policy_service
from storefront.rights.staff_views import bp
from storefront.web.fields import Moment, strip

ROLES = ("legal", "admin")


class PolicyForm(FlaskForm):
    """A new version: its label, what changes, its text, the uses it adds, when it applies."""

    label = StringField("Label", filters=[strip], validators=[
        DataRequired("Give the version a label."), Length(max=LABEL_LENGTH)])
    summary = TextAreaField("Summary of the changes", filters=[strip], validators=[
        DataRequired("Say in a few words what changes: the notice quotes it."),
        Length(max=2000)], render_kw={"rows": 4, "cols": 46})
    body = TextAreaField("Text of the policy (Markdown)", filters=[strip],
                         validators=[Optional(), Length(max=50_000)],
                         render_kw={"rows": 14, "cols": 46})
    adds_uses = StringField("Uses it adds", filters=[strip],
                            validators=[Optional(), Length(max=USES_LENGTH)])
    effective_at = Moment("Takes effect (UTC)", validators=[Optional()])


@bp.route("/policy", methods=["GET", "POST"])
@staff_route(*ROLES)
def policy():
    """The policy versions, and the form that publishes one and mails its notice."""
    form = PolicyForm()
    if form.validate_on_submit():
        try:
            version = policy_service.publish(
                form.label.data, form.summary.data, form.body.data or "",
                form.adds_uses.data or "", form.effective_at.data, current_staff())
        except PublishError as error:
            getattr(form, error.field).errors.append(str(error))
        else:
            flash(f"Version {version.label} is published. It takes effect on "
                  f"{version.effective_at:%Y-%m-%d %H:%M} UTC; its notice is on its way to "
                  "every account and every address on the marketing list.", "success")
            return redirect(url_for("rights_staff.policy"))
    versions, first_status = policy_service.versions()
    return render_template("rights/policy.html", form=form, versions=versions,
                           first=FIRST_VERSION, first_status=first_status,
                           in_force=policy_service.IN_FORCE,
                           notice_days=current_app.config["POLICY_NOTICE_DAYS"]), \
        400 if form.errors else 200
