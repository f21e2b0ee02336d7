"""Shipments: which lines left in which parcel, with the carrier's tracking number."""
from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField

from storefront.accounts.models import StaffUser
from storefront.db import BaseModel, utcnow
from storefront.orders.models import Order, OrderLine


class Shipment(BaseModel):
    order = ForeignKeyField(Order, backref="shipments", on_delete="CASCADE")
    carrier = CharField(max_length=20)
    tracking_number = CharField(max_length=40, unique=True)
    parcels = IntegerField()
    weight_grams = IntegerField()
    captured_cents = IntegerField(default=0)  # what this shipment captured on the card
    shipped_by = ForeignKeyField(StaffUser, null=True, on_delete="SET NULL")
    shipped_at = DateTimeField(default=utcnow)


class ShipmentLine(BaseModel):
    shipment = ForeignKeyField(Shipment, backref="lines", on_delete="CASCADE")
    line = ForeignKeyField(OrderLine, unique=True, on_delete="CASCADE")  # a line ships once
