"""Partners (co-brands) and tracking: visitors, touches, banners, the page-view log; where
customers, orders and partner staff belong."""
from peewee import *


def up(migrator, db):
    class Partner(Model):
        slug = CharField(unique=True, max_length=40)
        name = CharField(max_length=120)
        logo = CharField(max_length=200, default='')
        frame = CharField(max_length=10, default='top')
        show_both_logos = BooleanField(default=True)
        privacy_url = CharField(max_length=300)
        hosts = CharField(max_length=500, default='')
        is_active = BooleanField(default=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'partner'
    db.create_tables([Partner])

    class Banner(Model):
        partner = ForeignKeyField(Partner, null=True, on_delete='SET NULL')
        campaign = CharField(max_length=80, default='')
        placement = CharField(max_length=80)
        image = CharField(max_length=200, default='')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'banner'
    db.create_tables([Banner])

    class Touch(Model):
        visitor = CharField(index=True, max_length=64)
        source = CharField(max_length=80, default='')
        banner = ForeignKeyField(Banner, null=True, on_delete='SET NULL')
        utm_source = CharField(max_length=80, default='')
        utm_medium = CharField(max_length=80, default='')
        utm_campaign = CharField(max_length=80, default='')
        partner = ForeignKeyField(Partner, null=True, on_delete='SET NULL')
        landing_path = CharField(max_length=300)
        referrer_host = CharField(max_length=200, default='')
        at = DateTimeField(index=True)
        class Meta:
            database = db
            table_name = 'touch'
    db.create_tables([Touch])

    class PageView(Model):
        visitor = CharField(index=True, max_length=64)
        path = CharField(max_length=300)
        referrer_host = CharField(max_length=200, default='')
        partner = ForeignKeyField(Partner, null=True, on_delete='SET NULL')
        product_id = IntegerField(null=True)
        at = DateTimeField(index=True)
        class Meta:
            database = db
            table_name = 'page_view'
            indexes = ((('visitor', 'at'), False),)
    db.create_tables([PageView])

    class Visitor(Model):
        key = CharField(unique=True, max_length=64)
        first_seen = DateTimeField()
        last_seen = DateTimeField(index=True)
        visits = IntegerField(default=1)
        first_touch = ForeignKeyField(Touch, null=True, on_delete='SET NULL')
        last_touch = ForeignKeyField(Touch, null=True, on_delete='SET NULL')
        class Meta:
            database = db
            table_name = 'visitor'
    db.create_tables([Visitor])

    migrator.migrate(migrator.add_column('customer', 'partner_id', ForeignKeyField(Partner, field=Partner.id, null=True, on_delete='SET NULL')))
    migrator.migrate(migrator.add_column('customer', 'first_touch_id', ForeignKeyField(Touch, field=Touch.id, null=True, on_delete='SET NULL')))
    migrator.migrate(migrator.add_column('customer', 'last_touch_id', ForeignKeyField(Touch, field=Touch.id, null=True, on_delete='SET NULL')))
    migrator.migrate(migrator.add_column('staff_user', 'partner_id', ForeignKeyField(Partner, field=Partner.id, null=True, on_delete='CASCADE')))
    migrator.migrate(migrator.add_column('customer_order', 'partner_id', ForeignKeyField(Partner, field=Partner.id, null=True, on_delete='SET NULL')))
    migrator.migrate(migrator.add_column('customer_order', 'first_touch_id', ForeignKeyField(Touch, field=Touch.id, null=True, on_delete='SET NULL')))
    migrator.migrate(migrator.add_column('customer_order', 'last_touch_id', ForeignKeyField(Touch, field=Touch.id, null=True, on_delete='SET NULL')))


def down(migrator, db):
    migrator.migrate(migrator.drop_index('customer_order', 'customer_order_partner_id'))
    migrator.migrate(migrator.drop_index('customer_order', 'customer_order_last_touch_id'))
    migrator.migrate(migrator.drop_index('customer_order', 'customer_order_first_touch_id'))
    migrator.migrate(migrator.drop_index('staff_user', 'staff_user_partner_id'))
    migrator.migrate(migrator.drop_index('customer', 'customer_partner_id'))
    migrator.migrate(migrator.drop_index('customer', 'customer_last_touch_id'))
    migrator.migrate(migrator.drop_index('customer', 'customer_first_touch_id'))
    migrator.migrate(migrator.drop_column('customer_order', 'last_touch_id'))
    migrator.migrate(migrator.drop_column('customer_order', 'first_touch_id'))
    migrator.migrate(migrator.drop_column('customer_order', 'partner_id'))
    migrator.migrate(migrator.drop_column('staff_user', 'partner_id'))
    migrator.migrate(migrator.drop_column('customer', 'last_touch_id'))
    migrator.migrate(migrator.drop_column('customer', 'first_touch_id'))
    migrator.migrate(migrator.drop_column('customer', 'partner_id'))
    migrator.migrate(migrator.drop_table('visitor'))
    migrator.migrate(migrator.drop_table('page_view'))
    migrator.migrate(migrator.drop_table('touch'))
    migrator.migrate(migrator.drop_table('banner'))
    migrator.migrate(migrator.drop_table('partner'))

