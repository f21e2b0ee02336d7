"""Customer Care: the replies care send to correspondence (with the mail that carried each),
and call notes on a customer or an order; a form's one-time key makes a double click one row."""
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

    class OutboxMessage(Model):
        class Meta:
            database = db
            table_name = 'outbox_message'

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
        form_key = CharField(unique=True, null=True, max_length=36)
        class Meta:
            database = db
            table_name = 'call_note'
    db.create_tables([CallNote])

    class CareReply(Model):
        correspondence = ForeignKeyField(Correspondence, on_delete='CASCADE')
        staff = ForeignKeyField(StaffUser, null=True, on_delete='SET NULL')
        body = TextField()
        sent_at = DateTimeField()
        mail = ForeignKeyField(OutboxMessage, null=True, on_delete='SET NULL')
        form_key = CharField(unique=True, null=True, max_length=36)
        class Meta:
            database = db
            table_name = 'care_reply'
    db.create_tables([CareReply])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('care_reply'))
    migrator.migrate(migrator.drop_table('call_note'))
