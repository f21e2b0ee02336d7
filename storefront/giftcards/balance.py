"""Balance checks by code, throttled per IP so the code space cannot be searched from a form.

Attempts go into the login-attempt log under their own realm: the same window and the same
per-IP cap as sign-in, and a keyed hash of the IP as the subject.
"""
from storefront.accounts import throttle
from storefront.db import database
from storefront.giftcards import service

REALM = "giftcard"
MAX_FAILURES = 10


def check_balance(raw_code, ip, secret):
    """The gift card with this code and a balance left.

    Raises throttle.Throttled after MAX_FAILURES unknown codes from this IP in the window (a
    known code is refused too then), and GiftCardError with the one UNKNOWN_CODE message for
    any code that is wrong, malformed or used up. The attempt is recorded either way.
    """
    subject = throttle.subject_key(secret, REALM, ip)
    with database.atomic():
        throttle.check(REALM, subject, ip, per_account=MAX_FAILURES, success_resets=False)
        try:
            card = service.usable(raw_code)
        except service.GiftCardError:
            card = None
        throttle.record(REALM, subject, ip, succeeded=card is not None)
    # Raised after the commit: the failed attempt must stay in the log.
    if card is None:
        raise service.GiftCardError(service.UNKNOWN_CODE)
    return card
