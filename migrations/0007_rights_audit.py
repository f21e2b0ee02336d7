"""Rights and disclosures: legal disclosures and the audit log of staff access to personal data
(append-only), who was told of a policy version in advance, and the mark on an account whose
holder deleted it."""
from peewee import *


def up(migrator, db):
    class AuditEvent(Model):
        at = DateTimeField(index=True)
        staff_id = IntegerField(index=True, null=True)
        action = CharField(max_length=20)
        customer_id = IntegerField(index=True, null=True)
        email_key = CharField(index=True, max_length=254, default='')
        what = CharField(max_length=200)
        ip = CharField(max_length=45, default='')
        class Meta:
            database = db
            table_name = 'audit_event'
    db.create_tables([AuditEvent])

    class Disclosure(Model):
        customer_id = IntegerField(index=True, null=True)
        email_key = CharField(index=True, max_length=254, default='')
        authority = CharField(max_length=200)
        case_reference = CharField(max_length=100)
        legal_basis = CharField(max_length=300)
        staff_id = IntegerField()
        at = DateTimeField(index=True)
        class Meta:
            database = db
            table_name = 'disclosure'
    db.create_tables([Disclosure])

    class PolicyVersion(Model):
        class Meta:
            database = db
            table_name = 'policy_version'

    class PolicyNotice(Model):
        version = ForeignKeyField(PolicyVersion, on_delete='CASCADE')
        email_key = CharField(max_length=254)
        customer_id = IntegerField(index=True, null=True)
        at = DateTimeField()
        class Meta:
            database = db
            table_name = 'policy_notice'
            indexes = ((('version', 'email_key'), True), (('email_key',), False))
    db.create_tables([PolicyNotice])

    migrator.migrate(migrator.add_column('customer', 'erased_at', DateTimeField(null=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_table('policy_notice'))
    migrator.migrate(migrator.drop_column('customer', 'erased_at'))
    migrator.migrate(migrator.drop_table('disclosure'))
    migrator.migrate(migrator.drop_table('audit_event'))
