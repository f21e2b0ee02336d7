"""Staff → Marketing → Campaigns (P7, P11.3): compose a campaign, preview its audience and the
mail, send it, and follow its progress through the outbox (marketing and admins)."""
from flask import abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from storefront.accounts.current import current_staff, staff_route
from storefront.accounts.forms import EmptyForm
from storefront.marketing import campaigns
from storefront.marketing.blueprints import staff
from storefront.marketing.models import Campaign
from storefront.privacy import consent
from storefront.web.fields import strip

ROLES = ("marketing", "admin")
_ID = "<int(max=2147483647):campaign_id>"


class _Boxes(SelectMultipleField):
    """Several choices as tick boxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CampaignForm(FlaskForm):
    """A campaign: its mail, what kind of mail it is, and who it is for."""

    subject = StringField("Subject", filters=[strip], validators=[
        DataRequired("Give the mail a subject."), Length(max=campaigns.SUBJECT_LENGTH)])
    body = TextAreaField("Message (Markdown)", filters=[strip], validators=[
        DataRequired("Write the message."), Length(max=50_000)],
        render_kw={"rows": 12, "cols": 46})
    purpose = SelectField("Kind of mail", default="", choices=[
        SelectChoice("", "Choose one"),
        *(SelectChoice(key, consent.PURPOSES[key].name) for key in campaigns.PURPOSES)],
        validators=[DataRequired("Choose what kind of mail this is.")])
    audience = _Boxes("Who it is for", choices=[
        SelectChoice(key, label) for key, label in campaigns.AUDIENCES.items()], validators=[
        DataRequired("Choose at least one group of people.")])
    partner = SelectField("Only the customers of one partner", default="")

    def __init__(self, partners, **kwargs):
        super().__init__(**kwargs)
        self.partner.choices = [SelectChoice("", "No: everyone in the groups above"), *(
            SelectChoice(str(partner.id), partner.name) for partner in partners)]


def _campaign_or_404(campaign_id):
    found = Campaign.get_or_none(Campaign.id == campaign_id)
    if found is None:
        abort(404)
    return found


@staff.route("/campaigns", methods=["GET", "POST"])
@staff_route(*ROLES)
def campaign_list():
    """The campaigns so far, and the form that composes a new one (a draft to preview)."""
    form = CampaignForm(campaigns.partners())
    if form.validate_on_submit():
        try:
            campaign = campaigns.create(form.subject.data, form.body.data, form.purpose.data,
                                        form.audience.data, int(form.partner.data or 0) or None,
                                        current_staff().id)
        except campaigns.CampaignError as error:
            getattr(form, error.field).errors.append(str(error))
        else:
            return redirect(url_for("marketing_staff.campaign", campaign_id=campaign.id))
    return render_template("marketing/campaigns.html", form=form,
                           campaigns=campaigns.campaigns(), purposes=consent.PURPOSES), \
        400 if form.errors else 200


@staff.get(f"/campaigns/{_ID}")
@staff_route(*ROLES)
def campaign(campaign_id):
    """A draft: how many people it would reach now and how the mail looks, with the Send
    button. Once sent: its progress through the outbox."""
    found = _campaign_or_404(campaign_id)
    audience = (len(campaigns.recipients(found)) if found.status == Campaign.DRAFT else None)
    return render_template("marketing/campaign.html", campaign=found, audience=audience,
                           groups=campaigns.audience_names(found),
                           purpose=consent.PURPOSES.get(found.purpose),
                           mail=campaigns.mail_context(found),
                           progress=campaigns.progress(found), form=EmptyForm())


@staff.post(f"/campaigns/{_ID}/send")
@staff_route(*ROLES)
def send_campaign(campaign_id):
    """Send a draft: its audience is fixed now and the batch step queues it."""
    found = _campaign_or_404(campaign_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if campaigns.start(found.id):
        flash("The campaign is being sent. This page shows how far it has got.", "success")
    else:
        flash("This campaign was sent already.", "error")
    return redirect(url_for("marketing_staff.campaign", campaign_id=found.id))
