"""The consent boxes every form that collects contact details offers (P20): one per
marketing purpose, separate and unticked unless the person already said yes."""
from wtforms import BooleanField

from storefront.privacy.consent import PARTNER_OFFERS, PURPOSES, SHOP_MARKETING


class ConsentBoxes:
    """A mixin for a FlaskForm: the two marketing boxes. Render them with the macro
    consent_boxes(form) from privacy/_consent.html."""

    shop_marketing = BooleanField(PURPOSES[SHOP_MARKETING].label, default=False)
    partner_offers = BooleanField(PURPOSES[PARTNER_OFFERS].label, default=False)

    def consent_choices(self):
        """{purpose: ticked} as posted."""
        return {SHOP_MARKETING: bool(self.shop_marketing.data),
                PARTNER_OFFERS: bool(self.partner_offers.data)}

    def show_current(self, state):
        """Tick the boxes for what the person consents to now (on a GET)."""
        self.shop_marketing.data = bool(state.get(SHOP_MARKETING))
        self.partner_offers.data = bool(state.get(PARTNER_OFFERS))
