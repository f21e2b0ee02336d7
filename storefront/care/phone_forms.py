"""Forms of a phone order: checkout's forms as an associate fills them in for a caller.

The browser must not offer the associate's own details or cards, so nothing autocompletes;
the card number is never written back into a page.
"""
from wtforms import BooleanField, EmailField, SelectChoice, StringField, TelField
from wtforms.validators import InputRequired, Length, Optional

from storefront.checkout import payment_step, shipping
from storefront.checkout.forms import DetailsForm, PaymentForm, PlaceOrderForm, UnechoedField
from storefront.web.money import format_money

_OFF = {"autocomplete": "off"}


class PhoneDetailsForm(DetailsForm):
    """Email (a new caller only), phone, addresses and shipping method. No consent boxes: an
    order taken on the phone records no marketing choice."""

    email = EmailField("Email", validators=[InputRequired("Enter the caller's email address."),
                                            Length(max=254)], render_kw=_OFF)
    phone = TelField("Phone", validators=[InputRequired("Enter a phone number."),
                                          Length(max=30)], render_kw=_OFF)
    shop_marketing = None
    partner_offers = None


class PhonePaymentForm(PaymentForm):
    """A saved card of the customer or a card read out on the phone, and a promotion code."""

    number = UnechoedField("Card number", validators=[Optional(), Length(max=30)],
                           render_kw={**_OFF, "inputmode": "numeric"})
    expiry = StringField("Expiry date (MM/YY)", validators=[Optional(), Length(max=7)],
                         render_kw={**_OFF, "placeholder": "MM/YY"})
    holder_name = StringField("Name on card", validators=[Optional(), Length(max=120)],
                              render_kw=_OFF)
    save = BooleanField("Save the card to the customer's account", default=False)
    promo_code = StringField("Promotion code (optional)", validators=[Optional(), Length(max=40)],
                             render_kw={**_OFF, "autocapitalize": "characters"})
    gift_code = None


class PhonePlaceForm(PlaceOrderForm):
    """The review step: the CVV of a card read out, then "Place order"."""

    cvv = UnechoedField("Security code (CVV)", render_kw={**_OFF, "inputmode": "numeric"})


def details_form(summary, defaults, new_caller):
    """The details form starting from defaults; the email field for a new caller only."""
    form = PhoneDetailsForm(data=defaults)
    if not new_caller:
        del form.email
    for address in (form.shipping, form.billing):
        for part in address:  # checkout's address hints would offer the associate's own
            part.render_kw = {**(part.render_kw or {}), **_OFF}
    form.method.choices = [
        SelectChoice(m.code, f"{m.label}: {'free' if m.cents == 0 else format_money(m.cents)}")
        for m in shipping.options(summary.products_cents)]
    return form


def payment_form(customer, draft, today):
    """(the payment form with the customer's saved cards as choices, newest first, then a card
    read out; their ids by choice value)."""
    return payment_step.payment_form(PhonePaymentForm, customer, draft, today,
                                     "A card read out now")
