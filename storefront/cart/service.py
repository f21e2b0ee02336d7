"""Cart rules: one cart per guest visitor or per customer, quantities checked against stock.

Every change locks the cart row first (on PostgreSQL; SQLite serialises writers anyway), so
two clicks on "Add to cart" at once neither fail nor lose a quantity.
"""
from dataclasses import dataclass

from peewee import IntegrityError

from storefront.cart.models import Cart, CartGiftCard, CartLine
from storefront.catalogue.models import Availability, Product
from storefront.db import database, locked, utcnow

MAX_QUANTITY = 99
MAX_GIFT_CARDS = 10


class CartError(Exception):
    """A cart rule was broken; the message may be shown to the shopper."""


@dataclass
class CartSummary:
    lines: list  # CartLine rows with .product joined
    gift_cards: list  # CartGiftCard rows
    item_count: int
    total_cents: int

    @property
    def products_cents(self):
        """What the products cost (what a gift card may pay for)."""
        return sum(line.quantity * line.product.price_cents for line in self.lines)

    @property
    def needs_shipping(self):
        """True when something must be posted (gift cards go by email)."""
        return bool(self.lines)


def _owner(visitor_id, customer):
    if customer is not None:
        return Cart.customer == customer
    if visitor_id:
        return Cart.visitor == visitor_id
    return None


def find_cart(visitor_id, customer):
    """The customer's cart when signed in, else the visitor's guest cart, or None."""
    owner = _owner(visitor_id, customer)
    return None if owner is None else Cart.get_or_none(owner)


def _locked_cart(visitor_id, customer, ip, create):
    """The cart, row-locked for this transaction; created when missing and create is set."""
    owner = _owner(visitor_id, customer)
    if owner is None:
        raise CartError("Your browser did not keep our cookie, so we cannot hold a cart.")
    cart = locked(Cart.select().where(owner)).first()
    if cart is None and create:
        try:
            with database.atomic():  # a savepoint: losing a race to create must not abort all
                cart = Cart.create(customer=customer, visitor=None if customer else visitor_id,
                                   ip=ip)
        except IntegrityError:
            cart = locked(Cart.select().where(owner)).first()
    if cart is None:
        raise CartError("Your cart is empty.")
    cart.ip, cart.updated_at = ip, utcnow()
    cart.save(only=[Cart.ip, Cart.updated_at])
    return cart


def _checked_quantity(product, quantity):
    if not product.orderable:
        raise CartError(f"{product.name} is {product.availability_label.lower()} "
                        "and cannot be ordered.")
    if quantity < 1 or quantity > MAX_QUANTITY:
        raise CartError(f"Choose a quantity from 1 to {MAX_QUANTITY}.")
    if product.availability == Availability.AVAILABLE and quantity > product.stock:
        raise CartError(f"Only {product.stock} of {product.name} left in stock.")
    return quantity


def orderable_product(product_id):
    """The visible product with this id, or None."""
    return Product.visible().where(Product.id == product_id).first()


def add_item(visitor_id, customer, ip, product_id, quantity):
    """Add quantity of a product (adding to what is already there); return the cart."""
    with database.atomic():
        product = orderable_product(product_id)
        if product is None:
            raise CartError("That product does not exist.")
        cart = _locked_cart(visitor_id, customer, ip, create=True)
        line = CartLine.get_or_none(CartLine.cart == cart, CartLine.product == product)
        total = _checked_quantity(product, quantity + (line.quantity if line else 0))
        if line:
            line.quantity = total
            line.save(only=[CartLine.quantity])
        else:
            CartLine.create(cart=cart, product=product, quantity=total)
        return cart


def set_quantity(visitor_id, customer, ip, product_id, quantity):
    """Set a line's quantity; zero removes the line."""
    with database.atomic():
        cart = _locked_cart(visitor_id, customer, ip, create=False)
        line = (CartLine.select(CartLine, Product).join(Product)
                .where(CartLine.cart == cart, CartLine.product == product_id).first())
        if line is None:
            raise CartError("That item is not in your cart.")
        if quantity == 0:
            line.delete_instance()
            return cart
        line.quantity = _checked_quantity(line.product, quantity)
        line.save(only=[CartLine.quantity])
        return cart


def add_gift_card(visitor_id, customer, ip, amount_cents, recipient_name, recipient_email,
                  sender_name, message):
    """Put a gift card in the cart; return the cart.

    The caller has checked the amount against the gift card rules (the cart knows no gift
    card rules; placing the order checks them again before the card is issued).
    """
    with database.atomic():
        cart = _locked_cart(visitor_id, customer, ip, create=True)
        if cart.gift_cards.count() >= MAX_GIFT_CARDS:
            raise CartError(f"A cart holds at most {MAX_GIFT_CARDS} gift cards.")
        CartGiftCard.create(cart=cart, amount_cents=amount_cents, recipient_name=recipient_name,
                            recipient_email=recipient_email, sender_name=sender_name,
                            message=message)
        return cart


def remove_gift_card(visitor_id, customer, ip, gift_card_id):
    """Take a gift card out of the cart."""
    with database.atomic():
        cart = _locked_cart(visitor_id, customer, ip, create=False)
        removed = CartGiftCard.delete().where(CartGiftCard.cart == cart,
                                              CartGiftCard.id == gift_card_id).execute()
        if not removed:
            raise CartError("That gift card is not in your cart.")
        return cart


def summarise(cart):
    """Lines with their products, gift cards, item count and total in cents."""
    if cart is None:
        return CartSummary([], [], 0, 0)
    lines = list(CartLine.select(CartLine, Product).join(Product)
                 .where(CartLine.cart == cart).order_by(CartLine.added_at, CartLine.id))
    gift_cards = list(cart.gift_cards.order_by(CartGiftCard.id))
    return CartSummary(
        lines, gift_cards, sum(line.quantity for line in lines) + len(gift_cards),
        sum(line.quantity * line.product.price_cents for line in lines)
        + sum(card.amount_cents for card in gift_cards))


def lock(cart_id):
    """The cart, row-locked for the rest of the transaction (the order is being recorded)."""
    return locked(Cart.select().where(Cart.id == cart_id)).first()


def empty(cart):
    """Remove everything from the cart (the order took it)."""
    CartLine.delete().where(CartLine.cart == cart).execute()
    CartGiftCard.delete().where(CartGiftCard.cart == cart).execute()


def _mergeable_quantity(product, wanted):
    if not product.orderable:
        return 0
    cap = product.stock if product.availability == Availability.AVAILABLE else MAX_QUANTITY
    return max(0, min(wanted, MAX_QUANTITY, cap))


def merge_guest_cart(visitor_id, customer, ip):
    """At sign-in: move the guest cart's lines into the customer's cart, summing quantities.

    Quantities are capped at what can still be ordered (a line that cannot be ordered any
    more is dropped), so the sign-in itself never fails.
    """
    with database.atomic():
        guest = locked(Cart.select().where(Cart.visitor == visitor_id)).first() \
            if visitor_id else None
        if guest is None:
            return find_cart(None, customer)
        mine = locked(Cart.select().where(Cart.customer == customer)).first()
        if mine is None:
            try:
                with database.atomic():  # a savepoint: another browser may create it meanwhile
                    guest.customer, guest.visitor = customer, None
                    guest.ip, guest.updated_at = ip, utcnow()
                    guest.save()
                    return guest
            except IntegrityError:
                guest = locked(Cart.select().where(Cart.visitor == visitor_id)).first()
                mine = locked(Cart.select().where(Cart.customer == customer)).first()
        for line in CartLine.select(CartLine, Product).join(Product).where(CartLine.cart == guest):
            existing = CartLine.get_or_none(CartLine.cart == mine, CartLine.product == line.product)
            quantity = _mergeable_quantity(
                line.product, line.quantity + (existing.quantity if existing else 0))
            if existing and quantity == 0:
                existing.delete_instance()
            elif existing:
                existing.quantity = quantity
                existing.save(only=[CartLine.quantity])
            elif quantity > 0:
                CartLine.create(cart=mine, product=line.product, quantity=quantity)
        room = max(MAX_GIFT_CARDS - mine.gift_cards.count(), 0)
        moving = [card.id for card in guest.gift_cards.order_by(CartGiftCard.id).limit(room)]
        CartGiftCard.update(cart=mine).where(CartGiftCard.id.in_(moving)).execute()
        guest.delete_instance(recursive=True)
        mine.ip, mine.updated_at = ip, utcnow()
        mine.save(only=[Cart.ip, Cart.updated_at])
        return mine


def forget_idle_ips(before):
    """Empty the IP of every cart not changed since `before` (P8: an IP identifies a cart
    while it is in use, not for ever); returns how many."""
    return Cart.update(ip="").where((Cart.updated_at < before) & (Cart.ip != "")).execute()
