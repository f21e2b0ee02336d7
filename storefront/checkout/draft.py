"""What the shopper has chosen so far, kept in the signed session between checkout steps.

It holds no secret the shop could use: a new card is here only sealed for the processor
(with its first digit and last four), and the CVV is never here at all.
"""
from dataclasses import asdict, dataclass, field, fields

from storefront.accounts.service import AddressData

SESSION_KEY = "checkout"


@dataclass
class Draft:
    email: str = ""
    phone: str = ""
    shipping: dict | None = None  # AddressData fields
    billing: dict | None = None
    method: str = ""
    card: dict | None = None  # SealedCard fields, plus holder_name and save
    saved_card_id: int | None = None
    gift_card_id: int | None = None
    number: str = ""  # the order number reserved for this attempt (idempotent placing)
    placed: list = field(default_factory=list)  # numbers placed in this browser (guests)

    @classmethod
    def load(cls, session):
        """The draft kept in the session, or an empty one (ignoring anything malformed)."""
        raw = session.get(SESSION_KEY)
        if not isinstance(raw, dict):
            return cls()
        names = {f.name for f in fields(cls)}
        try:
            return cls(**{k: v for k, v in raw.items() if k in names})
        except TypeError:
            return cls()

    def store(self, session):
        """Keep the draft in the session."""
        session[SESSION_KEY] = asdict(self)

    def address(self, kind):
        """The shipping or billing address as AddressData, or None."""
        data = self.shipping if kind == "shipping" else self.billing
        return AddressData(**data) if data else None

    @property
    def has_details(self):
        """True once addresses, email and shipping method are chosen."""
        return bool(self.email and self.billing and self.method)

    def forget_payment(self):
        """Drop the chosen card and gift card (they must be chosen again)."""
        self.card, self.saved_card_id, self.gift_card_id = None, None, None

    def finish(self, number):
        """The order is placed: keep only its number (so this browser may see it)."""
        self.__init__(placed=(self.placed + [number])[-5:])
