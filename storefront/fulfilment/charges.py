"""What the card owes for an order's goods: the gift card part of the order is used first."""
from storefront.orders.models import OrderLine


def delivered_value(order, lines):
    """What the delivered goods are worth, with shipping once a parcel has left."""
    delivered = [line for line in lines if line.status in OrderLine.DELIVERED]
    parcel_left = any(line.kind == OrderLine.PRODUCT for line in delivered)
    return sum(line.total_cents for line in delivered) + \
        (order.shipping_cents if parcel_left else 0)


def card_due(order, goods_value):
    """What the card owes for goods worth goods_value (the gift card part goes first)."""
    return max(0, min(order.card_cents, goods_value - order.gift_card_cents))


def totals(order, lines):
    """The order as it now stands, without dropped lines: goods, shipping, what the gift card
    and the card pay (for the itemized summary in mail)."""
    goods = sum(line.total_cents for line in lines if line.status not in OrderLine.DROPPED)
    shipping = order.shipping_cents if any(
        line.kind == OrderLine.PRODUCT and line.status not in OrderLine.DROPPED
        for line in lines) else 0
    gift_card = min(order.gift_card_cents, goods + shipping)
    return {"goods": goods, "shipping": shipping, "total": goods + shipping,
            "gift_card": gift_card, "card": card_due(order, goods + shipping)}
