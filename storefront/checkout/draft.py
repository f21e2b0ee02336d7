"""What the shopper has chosen so far, kept in the signed session between checkout steps.

It holds no secret the shop could use: a new card is here only sealed for the processor
(with its first digit and last four), and the CVV is never here at all.
"""
from dataclasses import asdict, dataclass, field, fields

from storefront.accounts.service import AddressData
from storefront.payments.vault import SealedCard

SESSION_KEY = "checkout"
VERSION = 1  # raise it when the draft's shape changes: older drafts are then dropped


@dataclass
class Draft:
    # Whose draft: "c:<customer id>", "v:<visitor id>", or for an order a care associate
    # takes by phone "p:<staff id>:<customer id, or new>:<token of the order's own cart>".
    owner: str = ""
    version: int = VERSION
    email: str = ""
    phone: str = ""
    shipping: dict | None = None  # AddressData fields
    billing: dict | None = None
    method: str = ""
    card: dict | None = None  # SealedCard fields, plus holder_name and save
    saved_card_id: int | None = None
    gift_card_id: int | None = None
    promo_code: str = ""  # as stored (upper case); checked again when the order is placed
    number: str = ""  # the order number reserved for this attempt (idempotent placing)
    placed: list = field(default_factory=list)  # [number, unix time] placed in this browser

    @classmethod
    def load(cls, session, owner, key=SESSION_KEY):
        """The owner's draft kept in the session under key, or a new one.

        A draft of someone else (signed out, or a session ended elsewhere), of an older shape,
        or malformed in any way is dropped, not trusted. A care associate's phone order keeps
        its draft under a key of its own, apart from any web checkout.
        """
        return cls.from_stored(session.get(key), owner)

    @classmethod
    def from_stored(cls, raw, owner):
        """The draft as Draft.store kept it (raw), when it is the owner's; else a new one."""
        fresh = cls(owner=owner)
        if not isinstance(raw, dict) or raw.get("owner") != owner or \
                raw.get("version") != VERSION:
            return fresh
        try:
            draft = cls(**{f.name: raw[f.name] for f in fields(cls) if f.name in raw})
            draft.check()
        except (TypeError, KeyError, ValueError, AttributeError):
            return fresh
        return draft

    def check(self):
        """Raise TypeError/ValueError unless every part has the shape the code expects."""
        for kind in ("shipping", "billing"):
            self.address(kind)
        if self.card is not None:
            self.sealed_card()
            if not isinstance(self.card.get("holder_name", ""), str):
                raise TypeError("holder_name")
        for name in ("saved_card_id", "gift_card_id"):
            if getattr(self, name) is not None and type(getattr(self, name)) is not int:
                raise TypeError(name)
        if not all(isinstance(getattr(self, n), str) for n in ("email", "phone", "method",
                                                                "number", "promo_code")):
            raise TypeError("text")
        for number, at in self.placed:
            if not isinstance(number, str) or not isinstance(at, int | float):
                raise TypeError("placed")

    def sealed_card(self):
        """The new card as a SealedCard, or None."""
        if self.card is None:
            return None
        return SealedCard(**{name: self.card[name] for name in SealedCard.__dataclass_fields__})

    def store(self, session, key=SESSION_KEY):
        """Keep the draft in the session under key."""
        session[key] = asdict(self)

    def address(self, kind):
        """The shipping or billing address as AddressData, or None."""
        data = self.shipping if kind == "shipping" else self.billing
        if not data:
            return None
        if not all(isinstance(value, str) for value in data.values()):
            raise TypeError(kind)
        return AddressData(**data)

    @property
    def has_details(self):
        """True once addresses, email and shipping method are chosen."""
        return bool(self.email and self.billing and self.method)

    def forget_payment(self):
        """Drop the chosen card and gift card (they must be chosen again)."""
        self.card, self.saved_card_id, self.gift_card_id = None, None, None

    def finish(self, number, now):
        """The order is placed: keep only its number and when (so this browser may see it for
        a while)."""
        self.__init__(owner=self.owner, placed=(self.placed + [[number, now]])[-5:])

    def placed_here(self, number, now, within_seconds):
        """True when this browser placed the order within the last within_seconds."""
        return any(placed == number and now - at <= within_seconds
                   for placed, at in self.placed)
