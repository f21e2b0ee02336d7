"""Orders a care associate takes on the phone (P21), for a customer or a new caller.

Each order is built in a cart of its own (never the customer's: the customer's cart stays as
they left it), keyed by a random token kept in the order's draft, so two browsers of one
associate take two orders apart. The draft is kept under a session key of its own (never the
associate's web checkout). The order is placed through the ordinary checkout, with the
associate's name and no IP address.
"""
import re
import secrets
from dataclasses import dataclass

from storefront.accounts import service as accounts
from storefront.accounts.contact import display_phone
from storefront.accounts.models import Address, Customer, Phone
from storefront.cart import service as carts
from storefront.catalogue import service as catalogue
from storefront.catalogue.models import Product
from storefront.checkout import service
from storefront.checkout.draft import Draft
from storefront.db import database
from storefront.payments import service as payments

SESSION_KEY = "phone_order"
SEARCH_LIMIT = 20


@dataclass
class PhoneOrder:
    """The order an associate is taking: for whom (None: a new caller), the token of its own
    cart, and what is chosen."""

    staff_id: int
    customer: Customer | None
    token: str
    draft: Draft

    @property
    def taken_by(self):
        """Who takes the order and the cart it is built in, for checkout."""
        return service.TakenByPhone(self.staff_id, _cart_key(self.staff_id, self.token))

    @property
    def attribution(self):
        """The order counts for the customer's co-brand, as their own orders do; a phone
        call has no web visit, so no touches."""
        return {"partner": self.customer.partner_id} if self.customer else None

    @property
    def email(self):
        """An existing customer's email is their account's; a new caller's is typed."""
        return self.customer.email if self.customer else None

    def review(self, now=None):
        """(cart, summary, pricing, gift card or None), as checkout sees this order."""
        return service.review(self.draft, self.customer, None, now, self.taken_by)


def _owner(staff_id, customer, token):
    return f"p:{staff_id}:{customer.id if customer else 'new'}:{token}"


def _owner_parts(stored, staff_id):
    """(customer id or 'new', cart token) of the associate's draft kept as stored, or None."""
    owner = stored.get("owner") if isinstance(stored, dict) else None
    match = re.fullmatch(rf"p:{staff_id}:([0-9]{{1,9}}|new):([A-Za-z0-9_-]{{16}})", owner,
                         re.ASCII) if isinstance(owner, str) else None
    return match.groups() if match else None


def _cart_key(staff_id, token):
    """Visitor ids never hold ':', so no shopper's cart can have this key."""
    return f"phone:{staff_id}:{token}"


def drop_cart(order):
    """Delete the order's cart with its lines (the order is placed)."""
    _drop_cart(order.taken_by.cart_key)


def _drop_cart(key):
    with database.atomic():
        cart = carts.find_cart(key, None)
        if cart is not None:
            carts.lock(cart.id).delete_instance(recursive=True)


def start(staff_id, customer, stored=None):
    """A new phone order for the customer (None: a new caller), with a fresh draft and a cart
    of its own. stored is what the session keeps under SESSION_KEY: the cart of the order
    this browser was taking is deleted. The caller keeps the new draft there."""
    parts = _owner_parts(stored, staff_id)
    if parts is not None:
        _drop_cart(_cart_key(staff_id, parts[1]))
    token = secrets.token_urlsafe(12)
    return PhoneOrder(staff_id, customer, token, Draft(owner=_owner(staff_id, customer, token)))


def current(stored, staff_id):
    """The phone order this associate is taking in this browser, from what the session keeps
    under SESSION_KEY (stored); None when none is started (or its customer's account was
    erased since)."""
    parts = _owner_parts(stored, staff_id)
    if parts is None:
        return None
    customer = None
    if parts[0] != "new":
        customer = Customer.open_account(int(parts[0]))
        if customer is None:
            return None
    return PhoneOrder(staff_id, customer, parts[1], Draft.from_stored(stored, stored["owner"]))


def find_products(text, limit=SEARCH_LIMIT):
    """(visible products whose SKU is the text or whose name, SKU or description has its
    words, with their stock; whether more match than limit)."""
    text = text.strip()
    if not text:
        return [], False
    exact = list(Product.visible().where(Product.sku.in_({text, text.upper()})))
    page = catalogue.search_page(text, "name", 1, limit)
    ids = [product.id for product in page.items if product not in exact]
    rows = {product.id: product for product in Product.visible().where(Product.id.in_(ids))} \
        if ids else {}
    return exact + [rows[i] for i in ids if i in rows], page.has_next


def add_item(order, product_id, quantity):
    """Add a product to the phone cart; CartError says why not. The cart keeps no IP: the
    associate's is not the customer's."""
    return carts.add_item(order.taken_by.cart_key, None, "", product_id, quantity)


def set_quantity(order, product_id, quantity):
    """Change a line of the phone cart (0 removes it); CartError says why not."""
    return carts.set_quantity(order.taken_by.cart_key, None, "", product_id, quantity)


def details_defaults(order):
    """What the details step starts with: the draft's choices, else the account's phone and
    addresses (the associate checks them with the caller)."""
    draft, customer = order.draft, order.customer
    data = {"email": draft.email, "phone": draft.phone, "method": draft.method or "standard",
            "shipping": draft.shipping or {}, "billing": draft.billing or {},
            "same_as_shipping": draft.billing is None or draft.billing == draft.shipping}
    if customer is not None and not draft.has_details:
        phone = customer.phone(Phone.DAY) or customer.phone(Phone.EVENING)
        shipping = accounts.AddressData.fields_of(customer.address(Address.SHIPPING))
        billing = accounts.AddressData.fields_of(customer.address(Address.BILLING)) or shipping
        data.update(phone=display_phone(phone.number) if phone else "", shipping=shipping,
                    billing=billing, same_as_shipping=billing == shipping)
    return data


def account_details(customer, today):
    """What the associate checks with the caller: the account's phones and addresses by
    label, and its saved cards that can still pay (shown masked)."""
    phones = [(label, customer.phone(kind)) for label, kind in
              (("Day", Phone.DAY), ("Evening", Phone.EVENING))]
    addresses = [(label, customer.address(kind)) for label, kind in
                 (("Shipping", Address.SHIPPING), ("Billing", Address.BILLING))]
    return {"phones": [(label, row) for label, row in phones if row],
            "addresses": [(label, row) for label, row in addresses if row],
            "cards": payments.saved_cards(customer, today)}
