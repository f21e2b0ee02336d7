"""Staff sign-in (separate from customers), the staff home, a member's own password and the
admin's team page (locks, temporary passwords)."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from storefront.accounts import staff as staff_accounts
from storefront.accounts.current import current_staff, sign_in, sign_out_everywhere, staff_route
from storefront.accounts.forms import (EmptyForm, StaffLoginForm, StaffPasswordForm,
                                       TemporaryPasswordForm, attach_error)
from storefront.accounts.models import STAFF_ROLES, StaffUser
from storefront.accounts.service import AccountError, LoginRefused
from storefront.web.params import client_ip
from storefront.web.redirects import safe_next

bp = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates")
_MEMBER = "/team/<int(max=2147483647):staff_id>"


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Staff sign-in: its own page, a lock after 10 failures, 15 idle minutes end a session."""
    form = StaffLoginForm()
    target = safe_next(request.args.get("next"), url_for("staff.home"))
    if form.validate_on_submit():
        try:
            staff = staff_accounts.authenticate_staff(
                form.email.data, form.password.data, client_ip(),
                current_app.config["SECRET_KEY"])
        except LoginRefused as error:
            form.form_errors.append(str(error))
        else:
            sign_in(staff)
            return redirect(target)
    return render_template("staff/login.html", form=form), 400 if form.errors else 200


@bp.post("/logout")
def logout():
    """End the staff member's sessions."""
    if EmptyForm().validate_on_submit() and current_staff() is not None:
        sign_out_everywhere()
        flash("You are signed out.", "success")
    return redirect(url_for("staff.login"))


@bp.get("/")
@staff_route(*STAFF_ROLES)
def home():
    """The staff home: who is signed in and with which roles."""
    return render_template("staff/home.html", staff=current_staff())


@bp.route("/password", methods=["GET", "POST"])
@staff_route(*STAFF_ROLES)
def change_password():
    """A member changes their own password: every session of theirs ends, and this browser
    is signed in again with a new one (fresh, as the password was just typed)."""
    staff = current_staff()
    form = StaffPasswordForm()
    if form.validate_on_submit():
        try:
            staff_accounts.change_own_password(
                staff, form.current_password.data, form.new_password.data, client_ip(),
                current_app.config["SECRET_KEY"])
        except AccountError as error:
            attach_error(form, error)
        else:
            sign_in(staff)
            flash("Your password is changed. Your sessions on other browsers have ended.",
                  "success")
            return redirect(url_for("staff.home"))
    return render_template("staff/password.html", form=form, staff=staff), \
        400 if form.errors else 200


def _member_or_404(staff_id):
    member = StaffUser.get_or_none(StaffUser.id == staff_id)
    if member is None:
        abort(404)
    return member


def _team_page(posted=None, status=200):
    """Every staff account with its lock and the form that gives it a temporary password;
    posted is (member id, their form as posted)."""
    secret = current_app.config["SECRET_KEY"]
    posted_id, posted_form = posted or (None, None)
    own_id = current_staff().id

    def password_form(member):
        if member.id == posted_id:
            return posted_form
        if member.id == own_id:
            return None  # an admin changes their own on /staff/password
        return TemporaryPasswordForm.for_member(member, formdata=None)

    members = [(member, staff_accounts.staff_locked_until(member, secret),
                password_form(member)) for member in StaffUser.ordered()]
    return render_template("staff/team.html", members=members, form=EmptyForm()), status


@bp.get("/team")
@staff_route("admin")
def team():
    """Admin: every staff account, its roles and whether it is locked."""
    return _team_page()


@bp.post(_MEMBER + "/unlock")
@staff_route("admin")
def unlock(staff_id):
    """Admin: unlock a staff account locked after failed sign-ins."""
    member = _member_or_404(staff_id)
    if EmptyForm().validate_on_submit():
        staff_accounts.unlock_staff(member, current_app.config["SECRET_KEY"])
        flash(f"{member.email} is unlocked.", "success")
    return redirect(url_for("staff.team"))


@bp.post(_MEMBER + "/password")
@staff_route("admin")
def temporary_password(staff_id):
    """Admin: give another member a temporary password, to be changed at their next
    sign-in, confirmed with the admin's own password; their sessions end now and they are
    told by email (without the password)."""
    member = _member_or_404(staff_id)
    form = TemporaryPasswordForm.for_member(member)
    if form.validate_on_submit():
        try:
            staff_accounts.set_temporary_password(
                member, form.password.data, admin=current_staff(),
                admin_password=form.your_password.data, ip=client_ip(),
                config=current_app.config)
        except AccountError as error:
            attach_error(form, error)
        else:
            flash(f"{member.email} has a temporary password and is signed out everywhere; "
                  "we emailed them that it was set, without it. Give it to them yourself, not "
                  "by email: they choose their own when they next sign in.", "success")
            return redirect(url_for("staff.team"))
    return _team_page(posted=(member.id, form), status=400)
