"""How a card is shown everywhere (screens, mail, logs): brand, first digit and last four,
and the expiry; never more, because the shop knows no more (P21)."""
from storefront.payments.cards import BRAND_NAMES, mask


def describe_card(card):
    """'Visa 4••• •••• •••• 1111, expires 12/30' for a SavedCard, SealedCard or a dict of them."""
    get = card.get if isinstance(card, dict) else lambda name: getattr(card, name, None)
    text = f"{BRAND_NAMES.get(get('brand'), get('brand') or 'Card')} " \
        f"{mask(get('first_digit'), get('last_four'))}"
    if get("exp_month") and get("exp_year"):
        text += f", expires {int(get('exp_month')):02d}/{int(get('exp_year')) % 100:02d}"
    return text


def describe_order_card(order):
    """The card an order was paid with, or '' when no card paid."""
    if not order.card_last_four:
        return ""
    return describe_card({"brand": order.card_brand, "first_digit": order.card_first_digit,
                          "last_four": order.card_last_four})
