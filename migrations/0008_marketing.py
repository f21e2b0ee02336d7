"""Marketing: catalogue requests, promotions and promo codes, contests, their entries and draws,
campaigns, the "bought together" counts; a promo code's discount on orders and lines, the
campaign a mail belongs to, and whether an account wants personalization."""
from peewee import *


def up(migrator, db):
    class Partner(Model):
        class Meta:
            database = db
            table_name = 'partner'

    class Product(Model):
        class Meta:
            database = db
            table_name = 'product'

    class BoughtTogether(Model):
        product = ForeignKeyField(Product, on_delete='CASCADE')
        other = ForeignKeyField(Product, on_delete='CASCADE')
        orders = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'bought_together'
            indexes = ((('product', 'other'), True), (('product', 'orders'), False))
    db.create_tables([BoughtTogether])

    class Campaign(Model):
        subject = CharField(max_length=200)
        body = TextField()
        purpose = CharField(max_length=40)
        audience = CharField(max_length=100)
        partner = ForeignKeyField(Partner, null=True, on_delete='SET NULL')
        status = CharField(max_length=10, default='draft')
        total = IntegerField(default=0)
        queued = IntegerField(default=0)
        created_by_id = IntegerField(null=True)
        created_at = DateTimeField()
        started_at = DateTimeField(null=True)
        finished_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'campaign'
    db.create_tables([Campaign])

    class CatalogueRequest(Model):
        kind = CharField(max_length=10)
        name = CharField(max_length=120)
        line1 = CharField(max_length=120)
        line2 = CharField(max_length=120, default='')
        city = CharField(max_length=80)
        region = CharField(max_length=80, default='')
        postal_code = CharField(max_length=16)
        country = CharField(max_length=2)
        email = CharField(max_length=254, default='')
        address_key = CharField(index=True, max_length=400)
        requested_at = DateTimeField()
        sent_at = DateTimeField(index=True, null=True)
        ip = CharField(max_length=45, default='')
        class Meta:
            database = db
            table_name = 'catalogue_request'
    db.create_tables([CatalogueRequest])

    class Contest(Model):
        title = CharField(max_length=120)
        slug = CharField(unique=True, max_length=80)
        rules = TextField(default='')
        prizes = TextField(default='')
        starts_at = DateTimeField()
        ends_at = DateTimeField(index=True)
        winners = IntegerField(default=1)
        zip_code = CharField(max_length=8, default='optional')
        age_band = CharField(max_length=8, default='optional')
        income_band = CharField(max_length=8, default='optional')
        partner = ForeignKeyField(Partner, null=True, on_delete='SET NULL')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'contest'
    db.create_tables([Contest])

    class ContestDraw(Model):
        contest = ForeignKeyField(Contest, unique=True, on_delete='CASCADE')
        drawn_by_id = IntegerField()
        drawn_at = DateTimeField()
        eligible = TextField()
        winners = TextField()
        class Meta:
            database = db
            table_name = 'contest_draw'
    db.create_tables([ContestDraw])

    class ContestEntry(Model):
        contest = ForeignKeyField(Contest, on_delete='CASCADE')
        email = CharField(max_length=254)
        email_key = CharField(max_length=254)
        zip_code = CharField(max_length=10, default='')
        age_band = CharField(max_length=10, default='')
        income_band = CharField(max_length=12, default='')
        entered_at = DateTimeField()
        ip = CharField(max_length=45, default='')
        class Meta:
            database = db
            table_name = 'contest_entry'
            indexes = ((('contest', 'email_key'), True),)
    db.create_tables([ContestEntry])

    class Promotion(Model):
        title = CharField(max_length=120)
        slug = CharField(unique=True, max_length=80)
        body = TextField(default='')
        image = CharField(max_length=200, default='')
        starts_at = DateTimeField(index=True)
        ends_at = DateTimeField(index=True)
        partner = ForeignKeyField(Partner, null=True, on_delete='SET NULL')
        created_by_id = IntegerField(null=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'promotion'
    db.create_tables([Promotion])

    class PromoCode(Model):
        code = CharField(unique=True, max_length=32)
        promotion = ForeignKeyField(Promotion, null=True, on_delete='SET NULL')
        kind = CharField(max_length=8)
        amount = IntegerField()
        min_order_cents = IntegerField(default=0)
        max_uses = IntegerField(null=True)
        uses = IntegerField(default=0)
        starts_at = DateTimeField()
        expires_at = DateTimeField()
        is_active = BooleanField(default=True)
        class Meta:
            database = db
            table_name = 'promo_code'
    db.create_tables([PromoCode])

    migrator.migrate(migrator.add_column('customer', 'personalized', BooleanField(default=True)))
    migrator.migrate(migrator.add_column('customer_order', 'promo_code', CharField(max_length=32, default='')))
    migrator.migrate(migrator.add_column('customer_order', 'discount_cents', IntegerField(default=0)))
    migrator.migrate(migrator.add_column('order_line', 'discount_cents', IntegerField(default=0)))
    migrator.migrate(migrator.add_column('outbox_message', 'campaign_id', IntegerField(index=True, null=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_index('outbox_message', 'outbox_message_campaign_id'))
    migrator.migrate(migrator.drop_column('outbox_message', 'campaign_id'))
    migrator.migrate(migrator.drop_column('order_line', 'discount_cents'))
    migrator.migrate(migrator.drop_column('customer_order', 'discount_cents'))
    migrator.migrate(migrator.drop_column('customer_order', 'promo_code'))
    migrator.migrate(migrator.drop_column('customer', 'personalized'))
    migrator.migrate(migrator.drop_table('promo_code'))
    migrator.migrate(migrator.drop_table('promotion'))
    migrator.migrate(migrator.drop_table('contest_entry'))
    migrator.migrate(migrator.drop_table('contest_draw'))
    migrator.migrate(migrator.drop_table('contest'))
    migrator.migrate(migrator.drop_table('catalogue_request'))
    migrator.migrate(migrator.drop_table('campaign'))
    migrator.migrate(migrator.drop_table('bought_together'))
