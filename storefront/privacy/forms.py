"""The consent boxes every form that collects contact details offers (P20): one per
marketing purpose, separate and unticked unless the person already said yes."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField
from wtforms.validators import Email, InputRequired, Length

from storefront.privacy.consent import PARTNER_OFFERS, PURPOSES, SHOP_MARKETING, SITE_UPDATES


class ConsentBoxes:
    """A mixin for a FlaskForm: the two marketing boxes every collecting form offers. Render
    them with the macro consent_boxes(form) from privacy/_consent.html. A form may add a box
    for another purpose: a BooleanField named after it."""

    shop_marketing = BooleanField(PURPOSES[SHOP_MARKETING].label, default=False)
    partner_offers = BooleanField(PURPOSES[PARTNER_OFFERS].label, default=False)

    def consent_choices(self):
        """{purpose: ticked} as posted, for every purpose the form has a box for."""
        return {purpose: bool(self[purpose].data) for purpose in PURPOSES if purpose in self}

    def show_current(self, state):
        """Tick the boxes for what the person consents to now (on a GET)."""
        for purpose in PURPOSES:
            if purpose in self:
                self[purpose].data = bool(state.get(purpose))


class OptOutForm(FlaskForm):
    """The public opt-out form: an address and what to stop (both, unless unticked)."""

    email = EmailField("Email address", validators=[
        InputRequired("Enter the email address that gets the mail."), Length(max=254),
        Email("Enter an email address like name@example.com.")],
        render_kw={"autocomplete": "email"})
    stop_shop = BooleanField(f"Stop {PURPOSES[SHOP_MARKETING].name.lower()}", default=True)
    stop_partner = BooleanField(f"Stop {PURPOSES[PARTNER_OFFERS].name.lower()}", default=True)
    stop_updates = BooleanField(f"Stop {PURPOSES[SITE_UPDATES].name.lower()}", default=True)
    stop_new_uses = BooleanField("Refuse every new use announced in a change to our privacy "
                                 "policy", default=True)

    def validate(self, extra_validators=None):
        """At least one box must be ticked."""
        valid = super().validate(extra_validators)
        if not (self.stop_shop.data or self.stop_partner.data or self.stop_updates.data
                or self.stop_new_uses.data):
            self.stop_new_uses.errors = [*self.stop_new_uses.errors,
                                        "Tick what you want to stop."]
            return False
        return valid
