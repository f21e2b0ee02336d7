"""Shipments: which lines left in which parcel, with the carrier's tracking number."""
from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField

from storefront.accounts.models import StaffUser
from storefront.db import BaseModel, utcnow
from storefront.orders.models import Order, OrderLine


class Shipment(BaseModel):
    """A parcel (or several) of an order. Pending from the moment its lines are claimed
    until the carrier has it and the card is captured; a pending shipment is finished, never
    started again, so nothing is captured twice."""

    PENDING, SHIPPED = "pending", "shipped"

    order = ForeignKeyField(Order, backref="shipments", on_delete="CASCADE")
    status = CharField(max_length=10, default=PENDING)
    carrier = CharField(max_length=20)
    tracking_number = CharField(max_length=40, null=True, unique=True)
    parcels = IntegerField()
    weight_grams = IntegerField()
    captured_cents = IntegerField(default=0)  # what this shipment captures on the card
    shipped_by = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL")
    shipped_at = DateTimeField(default=utcnow)

    @classmethod
    def of_order(cls, order):
        """The order's shipments, in the order they were made."""
        return list(cls.select().where(cls.order == order).order_by(cls.id))

    @property
    def reference(self):
        """The capture's reference at the processor: asking again captures nothing more."""
        return f"{self.order.number}-S{self.id}"


class ShipmentLine(BaseModel):
    shipment = ForeignKeyField(Shipment, backref="lines", on_delete="CASCADE")
    line = ForeignKeyField(OrderLine, unique=True, on_delete="CASCADE")  # a line ships once
