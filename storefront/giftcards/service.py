"""Gift card rules: issuing with a mailed code, balances, redemption through a ledger.

A code is 16 characters from an alphabet without look-alikes (no 0/O, 1/I/L, U), about 78
bits of randomness. The gift card keeps only its SHA-256 and last four; the one other place a
code exists is the recipient's mail in the outbox, until the worker has delivered it. Every
answer about an unknown code is the same one message.
"""
import hashlib
import re
import secrets

from storefront.db import database, locked
from storefront.giftcards.models import GiftCard, GiftCardEntry
from storefront.mail import outbox

ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
CODE_LENGTH = 16
AMOUNT_CHOICES = (2500, 5000, 10000, 20000)
MIN_CENTS, MAX_CENTS = 1000, 50000
UNKNOWN_CODE = "We do not recognise that gift card code, or it has no balance left."


class GiftCardError(Exception):
    """A gift card rule was broken; the message may be shown."""


def normalise_code(raw):
    """The code in upper case without spaces or dashes ('' when it cannot be a code)."""
    code = re.sub(r"[\s-]+", "", (raw or "")).upper()
    return code if len(code) == CODE_LENGTH and all(c in ALPHABET for c in code) else ""


def display_code(code):
    """ABCD-EFGH-JKMN-PQRS: easier to read out and to type."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def _hash(code):
    return hashlib.sha256(code.encode()).hexdigest()


def new_code():
    """A random code (secrets, never random)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def check_amount(amount_cents):
    """The amount when a gift card may carry it, else GiftCardError."""
    if not MIN_CENTS <= amount_cents <= MAX_CENTS:
        raise GiftCardError(f"Choose an amount from ${MIN_CENTS // 100} to ${MAX_CENTS // 100}.")
    return amount_cents


def find(raw_code):
    """The gift card with this code, or None (the same None for a malformed code)."""
    code = normalise_code(raw_code)
    return GiftCard.get_or_none(GiftCard.code_hash == _hash(code)) if code else None


def usable(raw_code):
    """The gift card with this code and a balance left; GiftCardError (one message) if not."""
    card = find(raw_code)
    if card is None or card.balance_cents <= 0:
        raise GiftCardError(UNKNOWN_CODE)
    return card


def issue(amount_cents, recipient_name, recipient_email, sender_name, message, order_number):
    """Create a gift card, credit its ledger and mail the code to the recipient.

    Call it inside the order's transaction: the card, its ledger entry and the outbox row
    commit together with the order, or not at all.
    """
    check_amount(amount_cents)
    code = new_code()
    with database.atomic():
        card = GiftCard.create(
            code_hash=_hash(code), last_four=code[-4:], initial_cents=amount_cents,
            balance_cents=amount_cents, recipient_name=recipient_name,
            recipient_email=recipient_email, sender_name=sender_name, message=message,
            order_number=order_number)
        GiftCardEntry.create(gift_card=card, kind=GiftCardEntry.ISSUED,
                             amount_cents=amount_cents, order_number=order_number)
        outbox.enqueue(recipient_email, "gift_card", f"{sender_name} sent you a gift card",
                       "gift_card", order_number=order_number, card=card,
                       code=display_code(code))
    return card


def redeem(gift_card_id, amount_cents, order_number):
    """Take amount_cents from the card's balance for an order.

    A conditional update (balance >= amount) makes two orders racing for one balance safe on
    every database: the loser changes nothing and gets GiftCardError.
    """
    if amount_cents <= 0:
        raise GiftCardError("A gift card payment must be a positive amount.")
    with database.atomic():
        taken = (GiftCard.update(balance_cents=GiftCard.balance_cents - amount_cents)
                 .where(GiftCard.id == gift_card_id, GiftCard.balance_cents >= amount_cents)
                 .execute())
        if not taken:
            raise GiftCardError("The gift card's balance changed meanwhile. "
                                "Please check the payment again.")
        GiftCardEntry.create(gift_card=gift_card_id, kind=GiftCardEntry.REDEEMED,
                             amount_cents=-amount_cents, order_number=order_number)


def restore(gift_card_id, amount_cents, order_number):
    """Give back what an order took (a cancelled line or order)."""
    with database.atomic():
        locked(GiftCard.select().where(GiftCard.id == gift_card_id)).first()  # one at a time
        taken = -sum(entry.amount_cents for entry in GiftCardEntry.select().where(
            GiftCardEntry.gift_card == gift_card_id, GiftCardEntry.order_number == order_number,
            GiftCardEntry.kind != GiftCardEntry.ISSUED))
        if not 0 < amount_cents <= taken:
            raise GiftCardError("Only what the order took from the gift card can be given "
                                "back.")
        GiftCard.update(balance_cents=GiftCard.balance_cents + amount_cents) \
            .where(GiftCard.id == gift_card_id).execute()
        GiftCardEntry.create(gift_card=gift_card_id, kind=GiftCardEntry.RESTORED,
                             amount_cents=amount_cents, order_number=order_number)


def ledger(gift_card):
    """The card's entries, oldest first."""
    return list(gift_card.entries.order_by(GiftCardEntry.at, GiftCardEntry.id))
