"""Payment records: cards saved with an account (sealed, P5) and authorizations at the
processor, which fulfilment captures at shipment and cancellations void or refund."""
import logging

from storefront.db import database
from storefront.payments.gateway import PaymentError
from storefront.payments.models import Payment, SavedCard

log = logging.getLogger(__name__)


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


def release(processor, authorization_id, order_reference):
    """Void an authorization whose order could not be recorded; False when that failed too
    (the hold then lapses at the card issuer, never captured; the log names it)."""
    try:
        processor.void(authorization_id)
        return True
    except PaymentError as error:
        log.warning("void of %s failed (%s); voiding by reference", authorization_id, error)
    if processor.void_reference(order_reference):
        return True
    log.error("authorization %s for order %s could not be voided", authorization_id,
              order_reference)
    return False


def _payment_of(order_number):
    payment = Payment.get_or_none(Payment.order_number == order_number)
    if payment is None:
        raise PaymentError(f"order {order_number} has no card payment")
    return payment


def _follow(payment, state):
    """Copy the processor's view of the authorization onto the payment row."""
    Payment.update(status=state.status, captured_cents=state.captured_cents,
                   refunded_cents=state.refunded_cents).where(Payment.id == payment.id).execute()
    return Payment.get_by_id(payment.id)


# The processor is called first and the row follows its answer, outside any transaction: no
# lock is held during a network call, and the processor itself refuses a second capture or a
# refund beyond what was captured.

def refresh(processor, order_number):
    """The order's payment as the processor has it now (what was captured and refunded), or
    None when no card paid: money decisions are made on this, never on a copy that a lost
    answer may have left behind."""
    payment = Payment.get_or_none(Payment.order_number == order_number)
    if payment is None:
        return None
    return _follow(payment, processor.state(payment.authorization_id))


def capture(processor, order_number, amount_cents, reference=None):
    """Capture what shipped (called by fulfilment at shipment, with the shipment as the
    reference, so a retry after a lost answer never captures twice)."""
    payment = _payment_of(order_number)
    return _follow(payment, processor.capture(payment.authorization_id, amount_cents,
                                              reference))


def void(processor, order_number):
    """Release the whole authorization of an order cancelled before it shipped."""
    payment = _payment_of(order_number)
    return _follow(payment, processor.void(payment.authorization_id))


def refund(processor, order_number, amount_cents):
    """Give back part or all of what was captured (a cancelled or returned line)."""
    payment = _payment_of(order_number)
    return _follow(payment, processor.refund(payment.authorization_id, amount_cents))
