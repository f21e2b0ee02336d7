"""Payment attempts: one claim per order number before the processor is called.

The unique claim lets exactly one request pay for a number; a second click waits for the
first one's outcome. An attempt stays "claimed" while it runs and after it succeeds (the
order then exists); a failure records what the shopper was told, so a waiting twin can tell
them the same. Claims left by a request that died (a killed worker) are swept: their order
reference is voided at the processor.
"""
import logging
from datetime import timedelta

from peewee import IntegrityError

from storefront.db import database, utcnow
from storefront.payments.gateway import PaymentError
from storefront.payments.models import PaymentAttempt

log = logging.getLogger(__name__)


def claim(number, amount_cents):
    """True when this request is the one that pays for the number."""
    try:
        with database.atomic():
            PaymentAttempt.create(order_number=number, amount_cents=amount_cents)
        return True
    except IntegrityError:
        return False


def failed(number, outcome, message):
    """Record how the attempt ended and what the shopper was told. Best effort: a database
    that cannot take this write must not hide the real problem from the shopper."""
    try:
        PaymentAttempt.update(outcome=outcome, message=message[:300]) \
            .where(PaymentAttempt.order_number == number).execute()
    except Exception:  # logged: the caller is already handling a failure
        log.exception("could not record the outcome of payment attempt %s", number)


def failure_of(number):
    """The message of a failed attempt for this number, or None while it runs or succeeded."""
    attempt = PaymentAttempt.get_or_none(PaymentAttempt.order_number == number)
    if attempt is None or attempt.outcome == PaymentAttempt.CLAIMED:
        return None
    return attempt.message or "The payment did not go through."


def sweep(processor, placed_numbers, older_than=timedelta(minutes=30)):
    """Void the order references of claims older than older_than that left no order (a
    worker killed while paying). placed_numbers(numbers) says which have an order.
    Returns the numbers released."""
    stale = [attempt.order_number for attempt in PaymentAttempt.select().where(
        PaymentAttempt.outcome == PaymentAttempt.CLAIMED,
        PaymentAttempt.created_at < utcnow() - older_than)]
    orphans = sorted(set(stale) - set(placed_numbers(stale)))
    released = []
    for number in orphans:
        try:
            voided = processor.void_reference(number)
        except PaymentError:
            voided = False
        if voided:
            failed(number, PaymentAttempt.RELEASED, "Abandoned; its authorization was voided.")
            released.append(number)
    return released
