"""Orders a care associate takes on the phone (P21), for a customer or a new caller.

The associate builds the order in a cart of their own (never the customer's: the customer's
cart stays as they left it) and a draft kept under a session key of its own (never the
associate's web checkout); it is placed through the ordinary checkout, with the associate's
name and no IP address.
"""
import re
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


def cart_key(staff_id):
    """The visitor key of the associate's phone cart: visitor ids never hold ':', so no
    shopper's cart can have it."""
    return f"phone:{staff_id}"


def _owner(staff_id, customer_id):
    return f"p:{staff_id}:{customer_id or 'new'}"


def callable_customer(customer_id):
    """The account an order may be taken for (it exists and is not erased), or None."""
    return Customer.get_or_none(Customer.id == customer_id, Customer.erased_at.is_null())


@dataclass
class PhoneOrder:
    """The order an associate is taking: for whom (None: a new caller) and what is chosen."""

    staff_id: int
    customer: Customer | None
    draft: Draft

    @property
    def taken_by(self):
        """Who takes the order and the cart it is built in, for checkout."""
        return service.TakenByPhone(self.staff_id, cart_key(self.staff_id))

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


def start(staff_id, customer):
    """A new phone order for the customer (None: a new caller): the associate's phone cart
    emptied and a fresh draft, which the caller keeps under SESSION_KEY."""
    with database.atomic():
        cart = carts.find_cart(cart_key(staff_id), None)
        if cart is not None:
            carts.empty(carts.lock(cart.id))
    return PhoneOrder(staff_id, customer, Draft(owner=_owner(staff_id, customer and customer.id)))


def current(session, staff_id):
    """The phone order this associate is taking in this browser, or None when none is started
    (or its customer's account was erased since)."""
    raw = session.get(SESSION_KEY)
    owner = raw.get("owner") if isinstance(raw, dict) else None
    match = re.fullmatch(rf"p:{staff_id}:([0-9]{{1,9}}|new)", owner, re.ASCII) \
        if isinstance(owner, str) else None
    if match is None:
        return None
    customer = None
    if match.group(1) != "new":
        customer = callable_customer(int(match.group(1)))
        if customer is None:
            return None
    return PhoneOrder(staff_id, customer, Draft.load(session, owner, SESSION_KEY))


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
