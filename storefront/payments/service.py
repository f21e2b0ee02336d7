"""Payment records: cards saved with an account (sealed, P5) and authorizations at the
processor, which fulfilment captures at shipment and cancellations void or refund."""
from storefront.db import database
from storefront.payments.models import Payment, SavedCard


def save_card(customer, sealed_card, holder_name):
    """Keep a sealed card with the account; a card already saved (same brand, last four and
    expiry) is replaced rather than listed twice."""
    with database.atomic():
        SavedCard.delete().where(
            SavedCard.customer == customer, SavedCard.brand == sealed_card.brand,
            SavedCard.last_four == sealed_card.last_four,
            SavedCard.exp_month == sealed_card.exp_month,
            SavedCard.exp_year == sealed_card.exp_year).execute()
        return SavedCard.create(
            customer=customer, sealed=sealed_card.sealed, brand=sealed_card.brand,
            first_digit=sealed_card.first_digit, last_four=sealed_card.last_four,
            exp_month=sealed_card.exp_month, exp_year=sealed_card.exp_year,
            holder_name=holder_name)


def saved_card(customer, card_id):
    """The customer's saved card with this id, or None (another customer's is None too)."""
    if customer is None or card_id is None:
        return None
    return SavedCard.get_or_none(SavedCard.id == card_id, SavedCard.customer == customer)


def saved_cards(customer, today):
    """The customer's saved cards that have not expired, newest first."""
    return [card for card in SavedCard.of_customer(customer)
            if (card.exp_year, card.exp_month) >= (today.year, today.month)]


def forget_card(customer, card_id):
    """Delete a saved card; True when there was one."""
    return SavedCard.delete().where(SavedCard.id == card_id,
                                    SavedCard.customer == customer).execute() > 0


def record_authorization(order_number, authorization):
    """Keep the processor's authorization for the order (captured later, at shipment)."""
    return Payment.create(order_number=order_number, authorization_id=authorization.id,
                          amount_cents=authorization.amount_cents)
