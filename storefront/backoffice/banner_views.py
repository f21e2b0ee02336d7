"""Back office → Banners: where each banner shows and leads, when, and what its clicks bring."""
from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from storefront.accounts.current import staff_route
from storefront.accounts.forms import attach_error
from storefront.backoffice.banner_figures import Figures, banner_figures
from storefront.backoffice.partner_forms import UploadForm
from storefront.backoffice.uploads import answer_too_large, media_root
from storefront.db import utcnow
from storefront.partners.models import Partner
from storefront.reports.period import Period
from storefront.tracking import banners
from storefront.tracking.models import Banner
from storefront.web.fields import Day, Moment, strip
from storefront.web.params import whole_number

bp = Blueprint("backoffice_banners", __name__, url_prefix="/staff/banners",
               template_folder="templates")

ROLES = ("admin", "marketing")
_BANNER = "/<int(max=2147483647):banner_id>"
DEFAULT_DAYS = 30


class BannerForm(FlaskForm):
    """Where a banner shows and leads, and when."""

    partner = SelectField("Partner", validate_choice=False)
    campaign = StringField("Campaign", filters=[strip], validators=[Length(max=80)])
    placement = StringField("Placement", filters=[strip], validators=[
        DataRequired("Say where the banner is shown."), Length(max=80)])
    target_url = StringField("Target: a page of this shop", filters=[strip], validators=[
        DataRequired("Enter the page a click leads to, like /search?q=lamp."),
        Length(max=300)])
    starts_at = Moment("Shown from (UTC)", validators=[Optional()])
    ends_at = Moment("Shown until (UTC)", validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.partner.choices = [SelectChoice("", "None: a campaign of the shop's own")] + [
            SelectChoice(str(partner.id), partner.name)
            for partner in Partner.select().order_by(Partner.name)]

    @classmethod
    def of(cls, banner):
        """The form filled with a saved banner."""
        return cls(formdata=None, data={
            "partner": str(banner.partner_id or ""), "campaign": banner.campaign,
            "placement": banner.placement, "target_url": banner.target_url,
            "starts_at": banner.starts_at, "ends_at": banner.ends_at})

    def banner_data(self):
        """The posted banner as the service takes it (an unknown partner is refused there)."""
        raw = self.partner.data or ""
        partner_id = None if not raw else whole_number(raw) or 0  # 0 is no partner's id
        return banners.BannerData(partner_id, self.campaign.data or "", self.placement.data,
                                  self.target_url.data, self.starts_at.data, self.ends_at.data)


class FiguresForm(FlaskForm):
    """The days the figures count (a GET form: it changes nothing, so no CSRF token)."""

    class Meta:
        csrf = False

    since = Day("From (UTC)")
    until = Day("To (UTC), that day included", not_before="since")

    def period(self, today):
        """The days asked for; the last DEFAULT_DAYS days up to today by default."""
        last = self.until.data or max(today, self.since.data or today)
        return Period(self.since.data or last - timedelta(days=DEFAULT_DAYS - 1), last)


def _banner_or_404(banner_id):
    banner = Banner.get_or_none(Banner.id == banner_id)
    if banner is None:
        abort(404)
    return banner


@bp.get("/")
@staff_route(*ROLES)
def index():
    """Every banner with its link, status, clicks, orders and registrations over a period."""
    form = FiguresForm(formdata=request.args)
    if not form.validate():
        return render_template("backoffice/banner_list.html", form=form, rows=[],
                               period=None), 400
    period = form.period(utcnow().date())
    figures = banner_figures(period)
    now = utcnow()
    rows = [(banner, banners.link(banner), banners.status(banner, now),
             figures.get(banner.id, Figures())) for banner in banners.all_banners()]
    return render_template("backoffice/banner_list.html", form=form, rows=rows, period=period)


@bp.route("/new", methods=["GET", "POST"])
@staff_route(*ROLES)
def new():
    """Add a banner; its picture is uploaded on its page afterwards."""
    form = BannerForm()
    if form.validate_on_submit():
        try:
            banner = banners.save_banner(None, form.banner_data())
        except banners.BannerError as error:
            attach_error(form, error)
        else:
            flash(f"The banner is added: link to {banners.link(banner)}.", "success")
            return redirect(url_for(".edit", banner_id=banner.id))
    return render_template("backoffice/banner_new.html", form=form), \
        400 if form.errors or form.form_errors else 200


@bp.route(_BANNER, methods=["GET", "POST"])
@staff_route(*ROLES)
def edit(banner_id):
    """A banner's page: change it, upload its picture, copy its link."""
    banner = _banner_or_404(banner_id)
    form = BannerForm()
    if form.validate_on_submit():
        try:
            banner = banners.save_banner(banner, form.banner_data())
        except banners.BannerError as error:
            attach_error(form, error)
        else:
            flash("The banner is saved.", "success")
            return redirect(url_for(".edit", banner_id=banner.id))
    elif not form.is_submitted():
        form = BannerForm.of(banner)
    return _page(banner, form=form)


@bp.post(_BANNER + "/image")
@staff_route(*ROLES)
def image(banner_id):
    """Upload the banner's picture: a real picture, checked by its content."""
    banner = _banner_or_404(banner_id)
    form = UploadForm(prefix="banner")
    if form.validate_on_submit():
        try:
            banners.upload_image(banner, form.image.data.read(), media_root())
        except banners.BannerError as error:
            attach_error(form, error)
        else:
            flash("The picture is uploaded.", "success")
            return redirect(url_for(".edit", banner_id=banner.id))
    return _page(banner, image_form=form)


def _image_too_large(message, banner_id):
    banner = Banner.get_or_none(Banner.id == banner_id)
    if banner is None:
        return None
    form = UploadForm(prefix="banner", formdata=None)
    form.image.errors = [message]
    return _page(banner, image_form=form, status=413)


answer_too_large(bp, {f"{bp.name}.image": _image_too_large})


def _page(banner, form=None, image_form=None, status=None):
    """The banner's page with its two forms: the one posted as posted, the other fresh."""
    form = form or BannerForm.of(banner)
    image_form = image_form or UploadForm(prefix="banner", formdata=None)
    failed = any(f.errors or f.form_errors for f in (form, image_form))
    return render_template("backoffice/banner_edit.html", banner=banner, form=form,
                           image_form=image_form, link=banners.link(banner),
                           image_limits=banners.IMAGE_LIMITS), \
        status or (400 if failed else 200)
