"""Customer Care: the replies care send to correspondence, and call notes on a customer or
an order."""
from peewee import *


def up(migrator, db):
    class Correspondence(Model):
        class Meta:
            database = db
            table_name = 'correspondence'

    class Customer(Model):
        class Meta:
            database = db
            table_name = 'customer'

    class Order(Model):
        class Meta:
            database = db
            table_name = 'customer_order'

    class StaffUser(Model):
        class Meta:
            database = db
            table_name = 'staff_user'

    class CallNote(Model):
        customer = ForeignKeyField(Customer, null=True, on_delete='CASCADE')
        order = ForeignKeyField(Order, null=True, on_delete='CASCADE')
        staff = ForeignKeyField(StaffUser, null=True, on_delete='SET NULL')
        body = TextField()
        created_at = DateTimeField(index=True)
        class Meta:
            database = db
            table_name = 'call_note'
    db.create_tables([CallNote])

    class CareReply(Model):
        correspondence = ForeignKeyField(Correspondence, on_delete='CASCADE')
        staff = ForeignKeyField(StaffUser, null=True, on_delete='SET NULL')
        body = TextField()
        sent_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'care_reply'
    db.create_tables([CareReply])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('care_reply'))
    migrator.migrate(migrator.drop_table('call_note'))
