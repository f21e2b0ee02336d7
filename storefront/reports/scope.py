"""Whose traffic a report may count: the whole shop, or one partner's own (P12, P16).

Every report query is filtered through the Scope that scope_for() gives the signed-in staff
member, so a partner's staff cannot widen it: the partner comes from their account, never
from the URL.
"""
from dataclasses import dataclass

from peewee import Value

SHOP_ROLES = frozenset({"admin", "marketing"})


@dataclass(frozen=True)
class Scope:
    """The whole shop (partner_id None and whole_shop True), one partner, or nothing."""

    partner_id: int | None = None
    whole_shop: bool = False
    name: str = ""

    def where(self, partner_field):
        """The condition that keeps a query to this scope, given the row's partner field."""
        if self.partner_id is not None:
            return partner_field == self.partner_id
        if self.whole_shop:
            return Value(1) == 1
        return Value(1) == 0  # a partner account without a partner sees nothing


WHOLE_SHOP = Scope(whole_shop=True, name="the whole shop")
NOTHING = Scope(name="no partner")


def scope_for(staff):
    """The scope of a staff member: their partner's own traffic when they belong to a
    partner; the whole shop for admin and marketing staff of the shop; otherwise nothing."""
    if staff is None:
        return NOTHING
    if staff.partner_id is not None:
        return Scope(partner_id=staff.partner_id, name=staff.partner.name)
    if staff.role_set & SHOP_ROLES:
        return WHOLE_SHOP
    return NOTHING
