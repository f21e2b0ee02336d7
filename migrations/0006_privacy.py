"""Privacy and care: the consent ledger, policy versions, correspondence, the request log
(P8), and what marks a marketing mail in the outbox."""
from peewee import *


def up(migrator, db):
    class Customer(Model):
        class Meta:
            database = db
            table_name = 'customer'

    class StaffUser(Model):
        class Meta:
            database = db
            table_name = 'staff_user'

    class ConsentEvent(Model):
        customer_id = IntegerField(index=True, null=True)
        email_key = CharField(index=True, max_length=254, default='')
        purpose = CharField(max_length=40)
        given = BooleanField()
        channel = CharField(max_length=20)
        staff_id = IntegerField(null=True)
        policy_version = CharField(max_length=20)
        reference = CharField(max_length=80, default='')
        ip = CharField(max_length=45, default='')
        at = DateTimeField(index=True)
        class Meta:
            database = db
            table_name = 'consent_event'
    db.create_tables([ConsentEvent])

    class Correspondence(Model):
        source = CharField(max_length=12)
        sender_name = CharField(max_length=120, default='')
        sender_email = CharField(max_length=254)
        customer = ForeignKeyField(Customer, null=True, on_delete='SET NULL')
        subject = CharField(max_length=200, default='')
        body = TextField()
        message_id = CharField(unique=True, null=True, max_length=200)
        status = CharField(max_length=10, default='open')
        assigned_to = ForeignKeyField(StaffUser, null=True, on_delete='SET NULL')
        received_at = DateTimeField(index=True)
        closed_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'correspondence'
    db.create_tables([Correspondence])

    class PolicyVersion(Model):
        label = CharField(unique=True, max_length=20)
        summary = TextField(default='')
        body = TextField(default='')
        adds_uses = CharField(max_length=200, default='')
        effective_at = DateTimeField(index=True)
        published_at = DateTimeField()
        published_by_id = IntegerField(null=True)
        class Meta:
            database = db
            table_name = 'policy_version'
    db.create_tables([PolicyVersion])

    class RequestLog(Model):
        at = DateTimeField(index=True)
        ip = CharField(null=True, max_length=45)
        method = CharField(max_length=8)
        path = CharField(max_length=300)
        status = IntegerField()
        duration_ms = IntegerField()
        visitor = CharField(max_length=64, default='')
        class Meta:
            database = db
            table_name = 'request_log'
            indexes = ((('ip', 'at'), False), (('visitor', 'at'), False))
    db.create_tables([RequestLog])

    migrator.migrate(migrator.add_column('outbox_message', 'purpose', CharField(max_length=40, default='')))
    migrator.migrate(migrator.add_column('outbox_message', 'unsubscribe_url', CharField(max_length=500, default='')))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('outbox_message', 'unsubscribe_url'))
    migrator.migrate(migrator.drop_column('outbox_message', 'purpose'))
    migrator.migrate(migrator.drop_table('request_log'))
    migrator.migrate(migrator.drop_table('policy_version'))
    migrator.migrate(migrator.drop_table('correspondence'))
    migrator.migrate(migrator.drop_table('consent_event'))
