"""Cart rules: one cart per guest visitor or per customer, quantities checked against stock."""
from dataclasses import dataclass

from storefront.cart.models import Cart, CartLine
from storefront.catalogue.models import Availability, Product
from storefront.db import database, utcnow

MAX_QUANTITY = 99


class CartError(Exception):
    """A cart rule was broken; the message may be shown to the shopper."""


@dataclass
class CartSummary:
    lines: list  # CartLine rows with .product joined
    item_count: int
    total_cents: int


def find_cart(visitor_id, customer):
    """The customer's cart when signed in, else the visitor's guest cart, or None."""
    if customer is not None:
        return Cart.get_or_none(Cart.customer == customer)
    if visitor_id:
        return Cart.get_or_none(Cart.visitor == visitor_id)
    return None


def _cart_for_update(visitor_id, customer, ip):
    cart = find_cart(visitor_id, customer)
    if cart is None:
        if customer is None and not visitor_id:
            raise CartError("Your browser did not keep our cookie, so we cannot hold a cart.")
        cart = Cart.create(customer=customer, visitor=None if customer else visitor_id, ip=ip)
    else:
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


def add_item(visitor_id, customer, ip, product_id, quantity):
    """Add quantity of a product (adding to what is already there); return the cart."""
    with database.atomic():
        product = Product.get_or_none(Product.id == product_id, Product.is_hidden == False)  # noqa: E712
        if product is None:
            raise CartError("That product does not exist.")
        cart = _cart_for_update(visitor_id, customer, ip)
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
        cart = _cart_for_update(visitor_id, customer, ip)
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


def summarise(cart):
    """Lines with their products, item count and total in cents."""
    if cart is None:
        return CartSummary([], 0, 0)
    lines = list(CartLine.select(CartLine, Product).join(Product)
                 .where(CartLine.cart == cart).order_by(CartLine.added_at, CartLine.id))
    return CartSummary(lines, sum(line.quantity for line in lines),
                       sum(line.quantity * line.product.price_cents for line in lines))


def merge_guest_cart(visitor_id, customer, ip):
    """At login: move the guest cart's lines into the customer's cart, summing quantities.

    Quantities are capped at what can still be ordered, never failing the login.
    """
    with database.atomic():
        guest = Cart.get_or_none(Cart.visitor == visitor_id) if visitor_id else None
        if guest is None:
            return find_cart(None, customer)
        mine = Cart.get_or_none(Cart.customer == customer)
        if mine is None:
            guest.customer, guest.visitor, guest.ip, guest.updated_at = customer, None, ip, utcnow()
            guest.save()
            return guest
        for line in CartLine.select(CartLine, Product).join(Product).where(CartLine.cart == guest):
            existing = CartLine.get_or_none(CartLine.cart == mine, CartLine.product == line.product)
            wanted = line.quantity + (existing.quantity if existing else 0)
            cap = line.product.stock if line.product.availability == Availability.AVAILABLE \
                else MAX_QUANTITY
            quantity = min(wanted, MAX_QUANTITY, cap)
            if existing:
                existing.quantity = quantity
                existing.save(only=[CartLine.quantity])
            elif quantity > 0 and line.product.orderable:
                CartLine.create(cart=mine, product=line.product, quantity=quantity)
        guest.delete_instance(recursive=True)
        mine.ip, mine.updated_at = ip, utcnow()
        mine.save(only=[Cart.ip, Cart.updated_at])
        return mine
