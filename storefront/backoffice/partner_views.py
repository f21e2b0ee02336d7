"""Back office → Partners: co-brand partners, their logos and their staff logins.

Admin and marketing staff manage partners and their logos. A partner's staff login reads that
partner's customers and orders, which marketing may not, so only an admin adds, stops or
restarts one, and each of these changes is in the audit log (partners.service). Nothing here
shows a customer.
"""
from flask import Blueprint, abort, flash, redirect, render_template, url_for

from storefront.accounts.current import current_staff, staff_route
from storefront.accounts.forms import EmptyForm, attach_error
from storefront.accounts.models import StaffUser
from storefront.backoffice.partner_forms import PartnerForm, PartnerStaffForm, UploadForm
from storefront.backoffice.uploads import answer_too_large, media_root
from storefront.partners import service
from storefront.partners.models import Partner
from storefront.web.params import client_ip

bp = Blueprint("backoffice_partners", __name__, url_prefix="/staff/partners",
               template_folder="templates")

ROLES = ("admin", "marketing")
LOGINS = ("admin",)  # who adds, stops and restarts partner staff logins
_PARTNER = "/<int(max=2147483647):partner_id>"
_MEMBER = _PARTNER + "/staff/<int(max=2147483647):staff_id>"


def _partner_or_404(partner_id):
    partner = Partner.get_or_none(Partner.id == partner_id)
    if partner is None:
        abort(404)
    return partner


def _member_or_404(partner, staff_id):
    member = StaffUser.get_or_none(StaffUser.id == staff_id, StaffUser.partner == partner)
    if member is None:
        abort(404)
    return member


@bp.get("/")
@staff_route(*ROLES)
def index():
    """Every partner: its entry link, frame, host names, staff logins, whether active."""
    return render_template("backoffice/partner_list.html", partners=service.overview())


@bp.route("/new", methods=["GET", "POST"])
@staff_route(*ROLES)
def new():
    """Add a partner; its logo and staff logins are added on its page afterwards."""
    form = PartnerForm()
    if form.validate_on_submit():
        try:
            partner = service.save_partner(None, form.partner_data())
        except service.PartnerError as error:
            attach_error(form, error)
        else:
            flash(f"The partner {partner.name} is added: its entry link is /co/{partner.slug}/.",
                  "success")
            return redirect(url_for(".edit", partner_id=partner.id))
    return render_template("backoffice/partner_new.html", form=form), \
        400 if form.errors or form.form_errors else 200


@bp.route(_PARTNER, methods=["GET", "POST"])
@staff_route(*ROLES)
def edit(partner_id):
    """A partner's page: change it, upload its logo, see (and, for an admin, manage) its
    staff logins."""
    partner = _partner_or_404(partner_id)
    form = PartnerForm()
    if form.validate_on_submit():
        try:
            partner = service.save_partner(partner, form.partner_data())
        except service.PartnerError as error:
            attach_error(form, error)
        else:
            flash(f"The partner {partner.name} is saved.", "success")
            return redirect(url_for(".edit", partner_id=partner.id))
    elif not form.is_submitted():
        form = PartnerForm.of(partner)
    return _page(partner, form=form)


@bp.post(_PARTNER + "/logo")
@staff_route(*ROLES)
def logo(partner_id):
    """Upload the partner's logo: a real picture, checked by its content."""
    partner = _partner_or_404(partner_id)
    form = UploadForm(prefix="logo")
    if form.validate_on_submit():
        try:
            service.upload_logo(partner, form.image.data.read(), media_root())
        except service.PartnerError as error:
            attach_error(form, error)
        else:
            flash("The logo is uploaded: the co-brand frame shows it now.", "success")
            return redirect(url_for(".edit", partner_id=partner.id))
    return _page(partner, logo_form=form)


def _logo_too_large(message, partner_id):
    partner = Partner.get_or_none(Partner.id == partner_id)
    if partner is None:
        return None
    form = UploadForm(prefix="logo", formdata=None)
    form.image.errors = [message]
    return _page(partner, logo_form=form, status=413)


answer_too_large(bp, {f"{bp.name}.logo": _logo_too_large})


@bp.post(_PARTNER + "/staff")
@staff_route(*LOGINS)
def add_staff(partner_id):
    """Add a staff login for the partner's portal (role partner, tied to this partner)."""
    partner = _partner_or_404(partner_id)
    form = PartnerStaffForm(prefix="staff")
    if form.validate_on_submit():
        try:
            member = service.add_partner_login(partner, form.email.data, form.name.data,
                                               form.password.data, by=current_staff().id,
                                               ip=client_ip())
        except service.PartnerError as error:
            attach_error(form, error)
        else:
            flash(f"{member.email} can now sign in to {partner.name}'s portal. Give them the "
                  "first password yourself, not by email: they choose their own when they "
                  "first sign in.", "success")
            return redirect(url_for(".edit", partner_id=partner.id) + "#staff")
    return _page(partner, staff_form=form)


@bp.post(_MEMBER + "/deactivate")
@staff_route(*LOGINS)
def deactivate(partner_id, staff_id):
    """Stop a partner staff login: it cannot sign in, and its open sessions end now."""
    return _set_active(partner_id, staff_id, False)


@bp.post(_MEMBER + "/reactivate")
@staff_route(*LOGINS)
def reactivate(partner_id, staff_id):
    """Let a stopped partner staff login sign in again."""
    return _set_active(partner_id, staff_id, True)


def _set_active(partner_id, staff_id, active):
    partner = _partner_or_404(partner_id)
    member = _member_or_404(partner, staff_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    service.set_staff_active(partner, member, active, by=current_staff().id, ip=client_ip())
    flash(f"{member.email} can sign in again." if active else
          f"{member.email} can no longer sign in; their sessions have ended.", "success")
    return redirect(url_for(".edit", partner_id=partner.id) + "#staff")


def _page(partner, form=None, logo_form=None, staff_form=None, status=None):
    """The partner's page with its forms: the one posted as posted, the others fresh (an
    admin's page has the staff login form too)."""
    forms = {"form": form or PartnerForm.of(partner),
             "logo_form": logo_form or UploadForm(prefix="logo", formdata=None),
             "staff_form": staff_form or PartnerStaffForm(prefix="staff", formdata=None)}
    failed = any(f.errors or f.form_errors for f in forms.values())
    return render_template("backoffice/partner_edit.html", partner=partner,
                           staff=service.staff_of(partner),
                           manages_logins=bool(current_staff().role_set & set(LOGINS)),
                           uploaded=service.is_uploaded(partner.logo),
                           logo_limits=service.LOGO_LIMITS, **forms), \
        status or (400 if failed else 200)
