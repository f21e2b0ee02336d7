"""Checkout forms. Formats are checked by the services; these check presence and length."""
import re

from flask_wtf import FlaskForm
from wtforms import (BooleanField, EmailField, FormField, HiddenField, PasswordField,
                     RadioField, StringField, TelField)
from wtforms.validators import EqualTo, InputRequired, Length, Optional

from storefront.accounts.forms import AddressForm
from storefront.privacy.forms import ConsentBoxes


def _required(label):
    return InputRequired(f"Enter {label}.")


class UnechoedField(StringField):
    """A text field whose value is never written back into the page (a card number, a CVV):
    after an error it is typed again, so the number never travels in a response."""

    def _value(self):
        return ""


class DetailsForm(ConsentBoxes, FlaskForm):
    email = EmailField("Email", validators=[_required("your email address"), Length(max=254)],
                       render_kw={"autocomplete": "email"})
    phone = TelField("Phone", validators=[_required("a phone number"), Length(max=30)],
                     render_kw={"autocomplete": "tel"})
    shipping = FormField(AddressForm, "Shipping address")
    same_as_shipping = BooleanField("Billing address is the same as shipping", default=True)
    billing = FormField(AddressForm, "Billing address")
    method = RadioField("Shipping method", validate_choice=False,
                        validators=[InputRequired("Choose a shipping method.")])

    def validate(self, extra_validators=None):
        """Leave out what this order does not need: billing when it is the same as shipping,
        shipping when nothing is posted."""
        skipped = {}
        if "shipping" in self._fields and self.same_as_shipping.data:
            skipped["billing"] = self._fields.pop("billing")
        try:
            return super().validate(extra_validators)
        finally:
            self._fields.update(skipped)


class PaymentForm(FlaskForm):
    pay_with = RadioField("Pay with", validate_choice=False, default="new")
    number = UnechoedField("Card number", validators=[Optional(), Length(max=30)],
                           render_kw={"autocomplete": "cc-number", "inputmode": "numeric"})
    expiry = StringField("Expiry date (MM/YY)", validators=[Optional(), Length(max=7)],
                         render_kw={"autocomplete": "cc-exp", "placeholder": "MM/YY"})
    holder_name = StringField("Name on card", validators=[Optional(), Length(max=120)],
                              render_kw={"autocomplete": "cc-name"})
    save = BooleanField("Save this card for next time", default=False)
    promo_code = StringField("Promotion code (optional)",
                             validators=[Optional(), Length(max=40)],
                             render_kw={"autocomplete": "off", "autocapitalize": "characters"})
    gift_code = UnechoedField("Gift card code (optional)",
                              validators=[Optional(), Length(max=40)],
                            render_kw={"autocomplete": "off"})

    def expiry_parts(self):
        """(month, four-digit year) from MM/YY or MM/YYYY, or (None, None)."""
        match = re.fullmatch(r"\s*([0-9]{1,2})\s*/\s*([0-9]{2}|[0-9]{4})\s*",
                             self.expiry.data or "", re.ASCII)
        if not match:
            return None, None
        year = int(match.group(2))
        return int(match.group(1)), year + 2000 if year < 100 else year


class PlaceOrderForm(FlaskForm):
    cvv = UnechoedField("Security code (CVV)",  # its format is checked with the card's brand
                        render_kw={"autocomplete": "cc-csc", "inputmode": "numeric"})
    reviewed = HiddenField()
    number = HiddenField()  # the order number shown: a replay after success finds its order


class BecomeCustomerForm(FlaskForm):
    password = PasswordField("Choose a password", validators=[
        _required("a password"), Length(max=128)], render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Repeat the password", validators=[
        _required("the password again"), EqualTo("password", "The passwords do not match.")],
        render_kw={"autocomplete": "new-password"})
