"""Mail delivery: the worker's lease, retry schedule and last error; the customer and order a
message is about, so staff can read what a customer was sent."""
import datetime

from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_column('outbox_message', 'customer_id', IntegerField(index=True, null=True)))
    migrator.migrate(migrator.add_column('outbox_message', 'order_number', CharField(index=True, max_length=16, default='')))
    # Rows already waiting become due at once.
    migrator.migrate(migrator.add_column('outbox_message', 'next_attempt_at', DateTimeField(default=datetime.datetime(2000, 1, 1))))
    migrator.migrate(migrator.add_column('outbox_message', 'claimed_until', DateTimeField(null=True)))
    migrator.migrate(migrator.add_column('outbox_message', 'last_error', CharField(max_length=300, default='')))
    migrator.migrate(migrator.add_index('outbox_message', ('status', 'next_attempt_at')))


def down(migrator, db):
    migrator.migrate(migrator.drop_index('outbox_message', 'outbox_message_status_next_attempt_at'))
    migrator.migrate(migrator.drop_index('outbox_message', 'outbox_message_order_number'))
    migrator.migrate(migrator.drop_index('outbox_message', 'outbox_message_customer_id'))
    migrator.migrate(migrator.drop_column('outbox_message', 'last_error'))
    migrator.migrate(migrator.drop_column('outbox_message', 'claimed_until'))
    migrator.migrate(migrator.drop_column('outbox_message', 'next_attempt_at'))
    migrator.migrate(migrator.drop_column('outbox_message', 'order_number'))
    migrator.migrate(migrator.drop_column('outbox_message', 'customer_id'))
