"""Opt-out by phone (P20): a customer asks Customer Care on a call to stop a kind of mail.

The withdrawal is written to the consent ledger with channel "phone" and the associate who
took the call. A caller's identity is not proven, so the address is told what was stopped,
with a link that undoes it (the notice the opt-out form sends too).
"""
from storefront.db import database
from storefront.privacy import consent, mailing

ALL = "all"


class UnknownPurpose(ValueError):
    """Not a purpose an opt-out can withdraw: never offered on the page, so a forged form."""


def withdraw(customer, purpose, staff):
    """Withdraw one purpose (a built-in one or a use a policy version adds) or, with ALL,
    every marketing purpose, for the account and its address; the new ledger events (none
    when it was not given)."""
    if purpose != ALL and not consent.is_known(purpose):
        raise UnknownPurpose(purpose)
    with database.atomic():
        events = consent.withdraw_all("phone", customer_id=customer.id, address=customer.email,
                                      staff_id=staff.id, reference="telephone call",
                                      purposes=None if purpose == ALL else [purpose])
        mailing.notify_withdrawal(customer.email, [event.purpose for event in events])
    return events
