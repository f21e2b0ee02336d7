"""Gift card forms. The amount and email rules are the gift card and contact rules, applied
here so every mistake is shown next to its field at once."""
import re

from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from storefront.accounts.contact import ContactError, normalise_email
from storefront.giftcards import service
from storefront.web.fields import strip
from storefront.web.money import format_money
from storefront.web.params import whole_number

OTHER = "other"
MESSAGE_MAX = 300
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _plain_newlines(value):
    """Browsers send CRLF: count a line break as one character, as the shopper sees it."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def _one_line(form, field):
    """A name goes into the mail's subject line: no line breaks or other control characters."""
    if _CONTROL.search(field.data or ""):
        raise ValidationError("Write the name on one line.")


def _required(label):
    return DataRequired(f"Enter {label}.")  # after stripping: only spaces is nothing


class GiftCardForm(FlaskForm):
    amount = RadioField(
        "Amount", validate_choice=False,
        choices=[SelectChoice(str(cents), format_money(cents)) for cents in service.AMOUNT_CHOICES]
        + [SelectChoice(OTHER, "Another amount")],
        validators=[InputRequired("Choose an amount.")])
    other_amount = StringField(
        "Another amount, in whole dollars", filters=[strip],
        render_kw={"inputmode": "numeric", "autocomplete": "off"})
    recipient_name = StringField("Recipient's name", filters=[strip], validators=[
        _required("the recipient's name"), Length(max=120), _one_line])
    recipient_email = EmailField("Recipient's email", filters=[strip], validators=[
        _required("the recipient's email address"), Length(max=254)],
        render_kw={"autocomplete": "off"})
    sender_name = StringField("From", filters=[strip], validators=[
        _required("your name as the recipient should see it"), Length(max=120), _one_line],
        render_kw={"autocomplete": "name"})
    message = TextAreaField(
        f"Message (optional, at most {MESSAGE_MAX} characters)",
        filters=[strip, _plain_newlines],
        validators=[Length(max=MESSAGE_MAX,
                           message=f"Keep the message to {MESSAGE_MAX} characters or fewer.")],
        render_kw={"maxlength": MESSAGE_MAX, "rows": 4})

    def validate_amount(self, field):
        """One of the offered amounts, or 'another amount'."""
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError("Choose one of the amounts.")

    def validate_other_amount(self, field):
        """Whole dollars within the gift card limits (only when 'another amount' is chosen)."""
        if self.amount.data != OTHER:
            return
        dollars = whole_number(field.data)
        if dollars is None:
            raise ValidationError("Enter the amount in whole dollars, for example 40.")
        try:
            service.check_amount(dollars * 100)
        except service.GiftCardError as error:
            raise ValidationError(str(error)) from None

    def validate_recipient_email(self, field):
        """A deliverable-looking address, kept in its normalised form."""
        try:
            field.data, _ = normalise_email(field.data)
        except ContactError as error:
            raise ValidationError(str(error)) from None

    def amount_cents(self):
        """The chosen amount in cents (call after a successful validate)."""
        if self.amount.data == OTHER:
            return whole_number(self.other_amount.data) * 100
        return int(self.amount.data)


class BalanceForm(FlaskForm):
    # No length or format check here: every wrong code gets the one service message.
    code = StringField("Gift card code", validators=[_required("the code from the gift card")],
                       render_kw={"autocomplete": "off", "autocapitalize": "characters",
                                  "spellcheck": "false"})
