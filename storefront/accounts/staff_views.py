"""Staff sign-in (separate from customers) and the staff home; later issues add screens here."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from storefront.accounts import service
from storefront.accounts.current import current_staff, sign_in, sign_out_everywhere, staff_route
from storefront.accounts.forms import EmptyForm, StaffLoginForm
from storefront.accounts.models import STAFF_ROLES, StaffUser
from storefront.web.params import client_ip
from storefront.web.redirects import safe_next

bp = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Staff sign-in: its own page, a lock after 10 failures, 15 idle minutes end a session."""
    form = StaffLoginForm()
    target = safe_next(request.args.get("next"), url_for("staff.home"))
    if form.validate_on_submit():
        try:
            staff = service.authenticate_staff(form.email.data, form.password.data,
                                               client_ip(), current_app.config["SECRET_KEY"])
        except service.LoginRefused as error:
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


@bp.get("/team")
@staff_route("admin")
def team():
    """Admin: every staff account, its roles and whether it is locked."""
    secret = current_app.config["SECRET_KEY"]
    members = [(member, service.staff_locked_until(member, secret))
               for member in StaffUser.ordered()]
    return render_template("staff/team.html", members=members, form=EmptyForm())


@bp.post("/team/<int(max=2147483647):staff_id>/unlock")
@staff_route("admin")
def unlock(staff_id):
    """Admin: unlock a staff account locked after failed sign-ins."""
    member = StaffUser.get_or_none(StaffUser.id == staff_id)
    if member is None:
        abort(404)
    if EmptyForm().validate_on_submit():
        service.unlock_staff(member, current_app.config["SECRET_KEY"])
        flash(f"{member.email} is unlocked.", "success")
    return redirect(url_for("staff.team"))
