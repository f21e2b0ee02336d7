"""Customer pages: register, sign in and out, My Account."""
from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_login import current_user

from storefront.accounts import email_change, profile, service
from storefront.accounts.contact import display_phone
from storefront.accounts.current import (FRESH_MINUTES, confirm_password, current_customer,
                                         customer_required, login_is_fresh,
                                         password_confirmed, sign_in, sign_out_everywhere)
from storefront.accounts.forms import (AccountAddressForm, CommunicationForm,
                                       ConfirmPasswordForm, EmailChangeForm, EmptyForm,
                                       LoginForm, NameForm, PasswordChangeForm, PhonesForm,
                                       RegistrationForm, attach_error)
from storefront.accounts.models import Address, Phone
from storefront.privacy import consent
from storefront.web.attribution import attribution
from storefront.web.params import client_ip
from storefront.web.redirects import safe_next

bp = Blueprint("accounts", __name__, url_prefix="/account", template_folder="templates")
LAST_EMAIL_COOKIE = "sf_last_email"


def _after_sign_in(customer, response_target):
    """Remember the email on this browser (P19) and go on."""
    response = redirect(response_target)
    response.set_cookie(LAST_EMAIL_COOKIE, customer.email, max_age=365 * 86400, httponly=True,
                        samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


@bp.route("/confirm", methods=["GET", "POST"])
@customer_required
def confirm():
    """Type the password again (a fresh login) before ordering or changing saved cards, then
    go back to where the customer was: a page of this site, never elsewhere."""
    target = safe_next(request.args.get("next"), url_for("accounts.overview"))
    if request.method == "GET" and login_is_fresh():
        return redirect(target)
    form = ConfirmPasswordForm()
    if form.validate_on_submit():
        try:
            confirm_password(form.password.data)
        except service.AccountError as error:
            attach_error(form, error)
        else:
            return redirect(target)
    return render_template("accounts/confirm.html", form=form, target=target,
                           customer=current_customer(), fresh_minutes=FRESH_MINUTES), \
        400 if form.errors else 200


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Open an account: name, email, password, addresses, phone numbers."""
    form = RegistrationForm()
    if form.validate_on_submit():
        billing = None if form.same_as_shipping.data else \
            service.AddressData.from_mapping(form.billing.data)
        try:
            customer = service.register_customer(
                form.name.data, form.email.data, form.password.data,
                service.AddressData.from_mapping(form.shipping.data), billing,
                form.day_phone.data, form.evening_phone.data, client_ip(), attribution(),
                consents=form.consent_choices())
        except service.AccountError as error:
            attach_error(form, error)
        else:
            sign_in(customer)
            flash(f"Welcome, {customer.name}. Your account is ready.", "success")
            return _after_sign_in(customer, url_for("accounts.overview"))
    return render_template("accounts/register.html", form=form), 400 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in; the email field is pre-filled with the last one used on this browser."""
    form = LoginForm()
    if request.method == "GET":
        form.email.data = request.cookies.get(LAST_EMAIL_COOKIE, "")[:254]
    target = safe_next(request.args.get("next"), url_for("accounts.overview"))
    if form.validate_on_submit():
        try:
            customer = service.authenticate_customer(
                form.email.data, form.password.data, client_ip(),
                current_app.config["SECRET_KEY"])
        except service.LoginRefused as error:
            form.form_errors.append(str(error))
        else:
            sign_in(customer, remember=form.remember.data)
            flash(f"Welcome back, {customer.name}.", "success")
            return _after_sign_in(customer, target)
    return render_template("accounts/login.html", form=form), 400 if form.errors else 200


@bp.post("/logout")
def logout():
    """Sign out on every browser: the server-side sessions end, not only this cookie."""
    if EmptyForm().validate_on_submit():
        sign_out_everywhere()
        flash("You are signed out.", "success")
    return redirect(url_for("catalogue.home"))


def _account_page(status=200, **forms):
    fields_of = service.AddressData.fields_of
    customer = current_customer()
    shipping = customer.address(Address.SHIPPING)
    billing = customer.address(Address.BILLING)
    day, evening = customer.phone(Phone.DAY), customer.phone(Phone.EVENING)
    defaults = {
        "name_form": NameForm(formdata=None, name=customer.name),
        "shipping_form": AccountAddressForm(formdata=None, prefix="shipping",
                                            data={"address": fields_of(shipping)}),
        "billing_form": AccountAddressForm(formdata=None, prefix="billing",
                                           data={"address": fields_of(billing)}),
        "phones_form": PhonesForm(formdata=None,
                                  day_phone=display_phone(day.number) if day else "",
                                  evening_phone=display_phone(evening.number) if evening else ""),
        "email_form": EmailChangeForm(formdata=None),
        "password_form": PasswordChangeForm(formdata=None),
    }
    defaults.update(forms)
    return render_template("accounts/account.html", customer=customer, **defaults), status


@bp.get("/")
@customer_required
def overview():
    """My Account: name, addresses, phone numbers, password."""
    return _account_page()


def _save(form_key, form, action):
    if form.validate_on_submit():
        try:
            action(form)
        except service.AccountError as error:
            attach_error(form, error)
        else:
            flash("Your changes are saved.", "success")
            return redirect(url_for("accounts.overview"))
    return _account_page(400, **{form_key: form})


@bp.post("/name")
@customer_required
def save_name():
    """Change the account's name."""
    return _save("name_form", NameForm(),
                 lambda form: profile.update_name(current_customer(), form.name.data))


@bp.post("/address/<any(shipping, billing):kind>")
@customer_required
def save_address(kind):
    """Replace the shipping or the billing address."""
    return _save(f"{kind}_form", AccountAddressForm(prefix=kind),
                 lambda form: profile.save_address(
                     current_customer(), kind,
                     service.AddressData.from_mapping(form.address.data)))


@bp.post("/phones")
@customer_required
def save_phones():
    """Replace the day and evening phone numbers."""
    return _save("phones_form", PhonesForm(),
                 lambda form: profile.save_phones(current_customer(), form.day_phone.data,
                                                  form.evening_phone.data,
                                                  current_app.config["SHOP_COUNTRY"]))


@bp.post("/email")
@customer_required
def change_email():
    """Ask to change the email address (with the password): a link goes to the new address,
    and the account changes only once it is opened."""
    form = EmailChangeForm()
    customer = current_customer()
    if form.validate_on_submit():
        try:
            new = email_change.request_change(customer, form.email.data, form.password.data,
                                              client_ip(), current_app.config)
        except service.AccountError as error:
            attach_error(form, error)
        else:
            password_confirmed()
            flash(f"We sent a link to {new}. Open it within {email_change.LINK_HOURS} hours, "
                  f"signed in to this account, and your address changes then. Until then you "
                  f"sign in with {customer.email}.", "success")
            return redirect(url_for("accounts.overview"))
    return _account_page(400, email_form=form)


@bp.route("/email/confirm/<token>", methods=["GET", "POST"])
@customer_required
def confirm_email(token):
    """The link sent to a new address: signed in as the account that asked, with a fresh
    login, the customer confirms the change (a GET changes nothing: mail scanners open links)."""
    here = url_for("accounts.confirm_email", token=token)
    if not login_is_fresh():
        return redirect(url_for("accounts.confirm", next=here))
    customer = current_customer()
    config = current_app.config
    form = EmptyForm()
    try:
        new = email_change.read_link(customer, token, config["SECRET_KEY"])
        if form.validate_on_submit():
            old = email_change.confirm_change(customer, token, client_ip(), config,
                                              current_user.get_id())
            flash(f"Your email address is now {customer.email}. We wrote to {old} to say so.",
                  "success")
            return _after_sign_in(customer, url_for("accounts.overview"))
    except service.AccountError as error:
        return render_template("accounts/email_confirm.html", problem=str(error),
                               customer=customer), 400
    return render_template("accounts/email_confirm.html", form=form, new_email=new,
                           action=here, customer=customer), 400 if form.errors else 200


@bp.post("/password")
@customer_required
def change_password():
    """Change the password; every session of the account ends, so sign in again."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            profile.change_password(current_customer(), form.current_password.data,
                                    form.new_password.data, client_ip(),
                                    current_app.config["SECRET_KEY"])
        except service.AccountError as error:
            attach_error(form, error)
        else:
            sign_out_everywhere()
            flash("Your password is changed and every session has ended. "
                  "Please sign in with the new password.", "success")
            return redirect(url_for("accounts.login"))
    return _account_page(400, password_form=form)


@bp.route("/preferences", methods=["GET", "POST"])
@customer_required
def preferences():
    """My Account → communication preferences: the marketing boxes and their history."""
    customer = current_customer()
    form = CommunicationForm()
    uses = consent.announced(customer.id, customer.email)
    if form.validate_on_submit():
        # A use a policy change adds has a box of its own, named after it (P15, P20).
        choices = {**form.consent_choices(),
                   **{use: f"use-{use}" in request.form for use in uses}}
        changed = profile.save_communication_choices(customer, choices, client_ip())
        flash("Your choices are saved." if changed else "Nothing changed.", "success")
        return redirect(url_for("accounts.preferences"))
    if request.method == "GET":
        form.show_current(consent.current(customer.id, customer.email))
    return render_template("accounts/preferences.html", form=form,
                           history=consent.history(customer.id, customer.email),
                           purposes=consent.PURPOSES, channels=consent.CHANNELS,
                           customer=customer, personalization_form=EmptyForm(),
                           uses={consent.purpose(use): given for use, given in uses.items()}), \
        400 if form.errors else 200


@bp.post("/personalization")
@customer_required
def personalization():
    """Turn recommendations and recently viewed on or off: a setting of the account, kept
    apart from the consent ledger (it sends no mail)."""
    choice = request.form.get("personalized")
    if not EmptyForm().validate_on_submit() or choice not in ("on", "off"):
        abort(400)
    profile.set_personalized(current_customer(), choice == "on")
    flash(f"Recommendations and recently viewed are {choice}.", "success")
    return redirect(url_for("accounts.preferences"))
