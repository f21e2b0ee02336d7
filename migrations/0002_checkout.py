"""Checkout: orders and their lines, payments and payment attempts, saved cards, gift cards,
the mail outbox."""
from peewee import *


def up(migrator, db):
    class Cart(Model):
        class Meta:
            database = db
            table_name = 'cart'

    class Customer(Model):
        class Meta:
            database = db
            table_name = 'customer'

    class Product(Model):
        class Meta:
            database = db
            table_name = 'product'

    class StaffUser(Model):
        class Meta:
            database = db
            table_name = 'staff_user'

    class CartGiftCard(Model):
        cart = ForeignKeyField(Cart, on_delete='CASCADE')
        amount_cents = IntegerField()
        recipient_name = CharField(max_length=120)
        recipient_email = CharField(max_length=254)
        sender_name = CharField(max_length=120)
        message = TextField(default='')
        added_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'cart_gift_card'
    db.create_tables([CartGiftCard])

    class GiftCard(Model):
        code_hash = CharField(unique=True, max_length=64)
        last_four = CharField(max_length=4)
        initial_cents = IntegerField()
        balance_cents = IntegerField()
        recipient_name = CharField(max_length=120)
        recipient_email = CharField(max_length=254)
        sender_name = CharField(max_length=120)
        message = TextField(default='')
        order_number = CharField(index=True, max_length=16)
        issued_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'gift_card'
    db.create_tables([GiftCard])

    class GiftCardEntry(Model):
        gift_card = ForeignKeyField(GiftCard, on_delete='CASCADE')
        kind = CharField(max_length=10)
        amount_cents = IntegerField()
        order_number = CharField(index=True, max_length=16)
        at = DateTimeField()
        class Meta:
            database = db
            table_name = 'gift_card_entry'
    db.create_tables([GiftCardEntry])

    class Order(Model):
        number = CharField(unique=True, max_length=16)
        customer = ForeignKeyField(Customer, null=True, on_delete='SET NULL')
        email = CharField(max_length=254)
        phone = CharField(max_length=20, default='')
        channel = CharField(max_length=10, default='web')
        taken_by = ForeignKeyField(StaffUser, null=True, on_delete='SET NULL')
        shipping_method = CharField(max_length=20)
        merchandise_cents = IntegerField()
        shipping_cents = IntegerField()
        gift_card_cents = IntegerField(default=0)
        card_cents = IntegerField(default=0)
        card_brand = CharField(max_length=20, default='')
        card_first_digit = CharField(max_length=1, default='')
        card_last_four = CharField(max_length=4, default='')
        ip = CharField(max_length=45, default='')
        placed_at = DateTimeField(index=True)
        class Meta:
            database = db
            table_name = 'customer_order'
    db.create_tables([Order])

    class OrderAddress(Model):
        order = ForeignKeyField(Order, on_delete='CASCADE')
        kind = CharField(max_length=10)
        name = CharField(max_length=120)
        line1 = CharField(max_length=120)
        line2 = CharField(max_length=120, default='')
        city = CharField(max_length=80)
        region = CharField(max_length=80, default='')
        postal_code = CharField(max_length=16)
        country = CharField(max_length=2)
        class Meta:
            database = db
            table_name = 'order_address'
            indexes = ((('order', 'kind'), True),)
    db.create_tables([OrderAddress])

    class OrderLine(Model):
        order = ForeignKeyField(Order, on_delete='CASCADE')
        kind = CharField(max_length=10, default='product')
        product = ForeignKeyField(Product, null=True, on_delete='SET NULL')
        sku = CharField(max_length=64, default='')
        name = CharField(max_length=200)
        unit_price_cents = IntegerField()
        quantity = IntegerField()
        status = CharField(max_length=12, default='ordered')
        class Meta:
            database = db
            table_name = 'order_line'
    db.create_tables([OrderLine])

    class OutboxMessage(Model):
        message_id = CharField(unique=True, max_length=200)
        category = CharField(max_length=40)
        recipient = CharField(max_length=254)
        subject = CharField(max_length=200)
        body_text = TextField()
        body_html = TextField(default='')
        status = CharField(max_length=10, default='pending')
        attempts = IntegerField(default=0)
        created_at = DateTimeField()
        sent_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'outbox_message'
            indexes = ((('status', 'created_at'), False), (('recipient',), False))
    db.create_tables([OutboxMessage])

    class Payment(Model):
        order_number = CharField(index=True, max_length=16)
        authorization_id = CharField(unique=True, max_length=64)
        amount_cents = IntegerField()
        captured_cents = IntegerField(default=0)
        refunded_cents = IntegerField(default=0)
        status = CharField(max_length=20, default='authorized')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'payment'
    db.create_tables([Payment])

    class PaymentAttempt(Model):
        order_number = CharField(unique=True, max_length=16)
        amount_cents = IntegerField()
        outcome = CharField(max_length=12, default='claimed')
        message = CharField(max_length=300, default='')
        created_at = DateTimeField(index=True)
        class Meta:
            database = db
            table_name = 'payment_attempt'
    db.create_tables([PaymentAttempt])

    class SavedCard(Model):
        customer = ForeignKeyField(Customer, on_delete='CASCADE')
        sealed = TextField()
        brand = CharField(max_length=20)
        first_digit = CharField(max_length=1)
        last_four = CharField(max_length=4)
        exp_month = IntegerField()
        exp_year = IntegerField()
        holder_name = CharField(max_length=120)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'saved_card'
    db.create_tables([SavedCard])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('saved_card'))
    migrator.migrate(migrator.drop_table('payment_attempt'))
    migrator.migrate(migrator.drop_table('payment'))
    migrator.migrate(migrator.drop_table('outbox_message'))
    migrator.migrate(migrator.drop_table('order_line'))
    migrator.migrate(migrator.drop_table('order_address'))
    migrator.migrate(migrator.drop_table('customer_order'))
    migrator.migrate(migrator.drop_table('gift_card_entry'))
    migrator.migrate(migrator.drop_table('gift_card'))
    migrator.migrate(migrator.drop_table('cart_gift_card'))

