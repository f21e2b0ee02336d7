"""Fulfilment: shipments and their lines; orders know when they are settled and hold a lease
while a shipment or settlement runs; lines know whether they hold stock."""
from peewee import *


def up(migrator, db):
    class Order(Model):
        class Meta:
            database = db
            table_name = 'customer_order'

    class OrderLine(Model):
        class Meta:
            database = db
            table_name = 'order_line'

    class StaffUser(Model):
        class Meta:
            database = db
            table_name = 'staff_user'

    class Shipment(Model):
        order = ForeignKeyField(Order, on_delete='CASCADE')
        status = CharField(max_length=10, default='pending')
        carrier = CharField(max_length=20)
        tracking_number = CharField(unique=True, null=True, max_length=40)
        parcels = IntegerField()
        weight_grams = IntegerField()
        captured_cents = IntegerField(default=0)
        shipped_by = ForeignKeyField(StaffUser, null=True, on_delete='SET NULL')
        shipped_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'shipment'
    db.create_tables([Shipment])

    class ShipmentLine(Model):
        shipment = ForeignKeyField(Shipment, on_delete='CASCADE')
        line = ForeignKeyField(OrderLine, unique=True, on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'shipment_line'
    db.create_tables([ShipmentLine])

    migrator.migrate(migrator.add_column('customer_order', 'settled_at', DateTimeField(null=True)))
    migrator.migrate(migrator.add_column('customer_order', 'busy_until', DateTimeField(null=True)))
    migrator.migrate(migrator.add_column('order_line', 'holds_stock', BooleanField(default=False)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('order_line', 'holds_stock'))
    migrator.migrate(migrator.drop_column('customer_order', 'busy_until'))
    migrator.migrate(migrator.drop_column('customer_order', 'settled_at'))
    migrator.migrate(migrator.drop_table('shipment_line'))
    migrator.migrate(migrator.drop_table('shipment'))

