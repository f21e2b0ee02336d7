"""Orders as placed: a snapshot of addresses, lines with their own status, totals in cents."""
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField

from storefront.accounts.models import Customer, PostalAddress, StaffUser
from storefront.catalogue.models import Product
from storefront.db import BaseModel, utcnow
from storefront.partners.models import Partner
from storefront.tracking.models import Touch


class Order(BaseModel):
    WEB, PHONE = "web", "phone"

    number = CharField(max_length=16, unique=True)  # random and readable, never sequential
    customer = ForeignKeyField(Customer, null=True, backref="orders", on_delete="SET NULL")
    email = CharField(max_length=254)
    phone = CharField(max_length=20, default="")  # E.164: care may call about the order (P4)
    channel = CharField(max_length=10, default=WEB)
    taken_by = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL")  # phone orders
    shipping_method = CharField(max_length=20)
    merchandise_cents = IntegerField()  # products and gift cards bought
    shipping_cents = IntegerField()
    gift_card_cents = IntegerField(default=0)  # paid with gift cards
    card_cents = IntegerField(default=0)  # authorized on the card
    promo_code = CharField(max_length=32, default="")
    discount_cents = IntegerField(default=0)  # the promo code's discount, spread on the lines
    card_brand = CharField(max_length=20, default="")
    card_first_digit = CharField(max_length=1, default="")
    card_last_four = CharField(max_length=4, default="")
    ip = CharField(max_length=45, default="")  # P8
    # Where the order came from (P16, P18): the co-brand it was placed in, and the touches.
    partner = ForeignKeyField(Partner, null=True, backref="orders", on_delete="SET NULL")
    first_touch = ForeignKeyField(Touch, null=True, on_delete="SET NULL", backref="+")
    last_touch = ForeignKeyField(Touch, null=True, on_delete="SET NULL", backref="+")
    placed_at = DateTimeField(default=utcnow, index=True)
    settled_at = DateTimeField(null=True)  # every line final and the payment settled
    busy_until = DateTimeField(null=True)  # one shipment or settlement at a time (a lease)

    class Meta:
        table_name = "customer_order"  # ORDER is an SQL keyword

    @property
    def total_cents(self):
        """What the order costs, before gift cards pay part of it."""
        return self.merchandise_cents + self.shipping_cents

    @property
    def mail_address(self):
        """Where mail about the order goes: the account's current address when the order is
        in an open account, so that a customer who has changed theirs hears about every order
        there; the address given with the order when it has no account; None when its
        account was deleted (nobody is written to)."""
        account = self.customer
        if account is None:
            return self.email
        return account.email if account.erased_at is None else None

    @classmethod
    def of_customer(cls, customer):
        """The customer's orders, newest first."""
        return cls.select().where(cls.customer == customer).order_by(cls.placed_at.desc(),
                                                                     cls.id.desc())

    def address(self, kind):
        """The shipping or billing OrderAddress, or None."""
        return self.addresses.where(OrderAddress.kind == kind).first()


class OrderAddress(PostalAddress):
    """The addresses as they were when the order was placed."""

    order = ForeignKeyField(Order, backref="addresses", on_delete="CASCADE")

    class Meta:
        indexes = ((("order", "kind"), True),)


class OrderLine(BaseModel):
    """One product (or one gift card) of an order, with its own status (P3)."""

    PRODUCT, GIFT_CARD = "product", "gift_card"
    # statuses: allocated lines wait in the warehouse; on reserve and out of stock wait for
    # goods; shipped, sent (gift cards), discontinued and cancelled are final
    # shipping: in a shipment that is being made (the carrier or the capture not done yet)
    ALLOCATED, SHIPPING, ON_RESERVE, OUT_OF_STOCK, DISCONTINUED, SHIPPED, CANCELLED, SENT = (
        "allocated", "shipping", "on_reserve", "out_of_stock", "discontinued", "shipped",
        "cancelled", "sent")
    FINAL = (SHIPPED, SENT, DISCONTINUED, CANCELLED)
    DELIVERED = (SHIPPED, SENT)
    DROPPED = (DISCONTINUED, CANCELLED)  # not charged
    NEEDS_NOTICE = (ON_RESERVE, OUT_OF_STOCK, DISCONTINUED, CANCELLED)  # P3: a status mail
    STATUS_LABELS = {ALLOCATED: "Being prepared", SHIPPING: "Being shipped",
                     ON_RESERVE: "On reserve", OUT_OF_STOCK: "Out of stock",
                     DISCONTINUED: "Discontinued, cancelled", SHIPPED: "Shipped",
                     CANCELLED: "Cancelled", SENT: "Sent by email"}

    order = ForeignKeyField(Order, backref="lines", on_delete="CASCADE")
    kind = CharField(max_length=10, default=PRODUCT)
    product = ForeignKeyField(Product, null=True, on_delete="SET NULL")
    sku = CharField(max_length=64, default="")
    name = CharField(max_length=200)
    unit_price_cents = IntegerField()
    quantity = IntegerField()
    discount_cents = IntegerField(default=0)  # this line's share of the order's discount
    status = CharField(max_length=12, default=ALLOCATED)
    holds_stock = BooleanField(default=False)  # its units were taken from the product's stock

    @property
    def total_cents(self):
        """Unit price times quantity, less the line's share of a promo code's discount."""
        return self.unit_price_cents * self.quantity - self.discount_cents

    @property
    def status_label(self):
        """The status as shown to the shopper."""
        return self.STATUS_LABELS.get(self.status, self.status)
