"""Account forms. Format rules live in the service; these check presence and length."""
from flask_wtf import FlaskForm
from wtforms import (BooleanField, EmailField, Form, FormField, PasswordField, SelectChoice,
                     SelectField, StringField, TelField)
from wtforms.validators import EqualTo, InputRequired, Length, Optional

from storefront.accounts import passwords
from storefront.accounts.contact import COUNTRIES
from storefront.privacy.consent import PURPOSES, SITE_UPDATES
from storefront.privacy.forms import ConsentBoxes

COUNTRY_CHOICES = [SelectChoice(code, name) for code, (name, _, _) in COUNTRIES.items()]


def _required(label):
    return InputRequired(f"Enter {label}.")


class AddressForm(Form):
    name = StringField("Full name", validators=[_required("the recipient's name"), Length(max=120)],
                       render_kw={"autocomplete": "name"})
    line1 = StringField("Address line 1", validators=[_required("the street address"),
                                                      Length(max=120)],
                        render_kw={"autocomplete": "address-line1"})
    line2 = StringField("Address line 2 (optional)", validators=[Optional(), Length(max=120)],
                        render_kw={"autocomplete": "address-line2"})
    city = StringField("City", validators=[_required("the city"), Length(max=80)],
                       render_kw={"autocomplete": "address-level2"})
    region = StringField("State or region (optional)", validators=[Optional(), Length(max=80)],
                         render_kw={"autocomplete": "address-level1"})
    postal_code = StringField("Postal code", validators=[_required("the postal code"),
                                                         Length(max=16)],
                              render_kw={"autocomplete": "postal-code"})
    country = SelectField("Country", choices=COUNTRY_CHOICES, default="US",
                          validate_choice=True, render_kw={"autocomplete": "country"})


class PhonesForm(FlaskForm):
    day_phone = TelField("Daytime phone", validators=[Optional(), Length(max=30)],
                         render_kw={"autocomplete": "tel"})
    evening_phone = TelField("Evening phone", validators=[Optional(), Length(max=30)],
                             render_kw={"autocomplete": "tel"})


class RegistrationForm(ConsentBoxes, PhonesForm):
    name = StringField("Your name", validators=[_required("your name"), Length(max=120)],
                       render_kw={"autocomplete": "name"})
    email = EmailField("Email", validators=[_required("your email address"), Length(max=254)],
                       render_kw={"autocomplete": "email"})
    password = PasswordField("Password", validators=[
        _required("a password"), Length(max=128)], render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Repeat the password", validators=[
        _required("the password again"), EqualTo("password", "The passwords do not match.")],
        render_kw={"autocomplete": "new-password"})
    shipping = FormField(AddressForm, "Shipping address")
    same_as_shipping = BooleanField("Billing address is the same as shipping", default=True)
    billing = FormField(AddressForm, "Billing address")

    def validate(self, extra_validators=None):
        """Leave the billing address out when it is the same as shipping."""
        if not self.same_as_shipping.data:
            return super().validate(extra_validators)
        billing = self._fields.pop("billing")
        try:
            return super().validate(extra_validators)
        finally:
            self._fields["billing"] = billing


class CommunicationForm(ConsentBoxes, FlaskForm):
    """My Account → communication preferences: every kind of mail we send on request."""

    site_updates = BooleanField(PURPOSES[SITE_UPDATES].label, default=False)


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[_required("your email address"), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField("Password", validators=[_required("your password"),
                                                     Length(max=128)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField("Keep me signed in on this browser (30 days)")


class StaffLoginForm(FlaskForm):
    email = EmailField("Staff email", validators=[_required("your email address"),
                                                  Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField("Password", validators=[_required("your password"),
                                                     Length(max=128)],
                             render_kw={"autocomplete": "current-password"})


class NameForm(FlaskForm):
    name = StringField("Your name", validators=[_required("your name"), Length(max=120)],
                       render_kw={"autocomplete": "name"})


class AccountAddressForm(FlaskForm):
    address = FormField(AddressForm)


def _new_password(min_length):
    return PasswordField(f"New password (at least {min_length} characters)", validators=[
        _required("a new password"), Length(max=128)], render_kw={"autocomplete": "new-password"})


def _repeated(name, label, what="the new password again"):
    return PasswordField(label, validators=[
        _required(what), EqualTo(name, "The passwords do not match.")],
        render_kw={"autocomplete": "new-password"})


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[
        _required("your current password"), Length(max=128)],
        render_kw={"autocomplete": "current-password"})
    new_password = _new_password(passwords.CUSTOMER_MIN_LENGTH)
    confirm = _repeated("new_password", "Repeat the new password")


class StaffPasswordForm(PasswordChangeForm):
    """A staff member changes their own password (staff passwords are longer)."""

    new_password = _new_password(passwords.STAFF_MIN_LENGTH)


class TemporaryPasswordForm(FlaskForm):
    """An admin sets a temporary password for another member, typing their own password
    too: one form per member on the team page, told apart by its prefix and labels."""

    password = PasswordField("Temporary password", validators=[
        _required("a temporary password"), Length(max=128)],
        render_kw={"autocomplete": "new-password"})
    confirm = _repeated("password", "Repeat the temporary password",
                        "the temporary password again")
    your_password = PasswordField("Your own password", validators=[
        _required("your own password"), Length(max=128)],
        render_kw={"autocomplete": "current-password"})

    @classmethod
    def for_member(cls, member, **kwargs):
        """The form of this member's row, its labels naming them."""
        form = cls(prefix=f"member-{member.id}", **kwargs)
        for name in ("password", "confirm"):
            form[name].label.text += f" for {member.email}"
        return form


def _password_again():
    return PasswordField("Your password", validators=[_required("your password"),
                                                      Length(max=128)],
                         render_kw={"autocomplete": "current-password"})


class ConfirmPasswordForm(FlaskForm):
    """The password typed again before an order or a change of saved cards (fresh login)."""

    password = _password_again()


class EmailChangeForm(FlaskForm):
    email = EmailField("New email address", validators=[
        _required("the new email address"), Length(max=254)], render_kw={"autocomplete": "email"})
    password = _password_again()


class EmptyForm(FlaskForm):
    """A form with only the CSRF token (sign out, unlock)."""


def attach_error(form, error):
    """Show each of a service error's messages next to its field ('outer-inner' names a field
    of a sub-form); a message for no field of this form goes at the top."""
    for name, message in error.errors.items():
        target = form
        try:
            for part in (name or "").split("-"):
                target = target[part]
            target.errors.append(message)
        except (KeyError, AttributeError):
            form.form_errors.append(message)
