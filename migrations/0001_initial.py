"""The first schema: catalogue, accounts, staff, sessions, login attempts, carts."""
from peewee import *


def up(migrator, db):
    class Customer(Model):
        name = CharField(max_length=120)
        email = CharField(max_length=254)
        email_key = CharField(unique=True, max_length=254)
        password_hash = CharField()
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'customer'
    db.create_tables([Customer])

    class StaffUser(Model):
        name = CharField(max_length=120)
        email = CharField(max_length=254)
        email_key = CharField(unique=True, max_length=254)
        password_hash = CharField()
        roles = CharField(max_length=100)
        is_active = BooleanField(default=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'staff_user'
    db.create_tables([StaffUser])

    class AccountSession(Model):
        token_hash = CharField(unique=True, max_length=64)
        customer = ForeignKeyField(Customer, null=True, on_delete='CASCADE')
        staff = ForeignKeyField(StaffUser, null=True, on_delete='CASCADE')
        remembered = BooleanField(default=False)
        created_at = DateTimeField()
        last_seen = DateTimeField(index=True)
        ip = CharField(max_length=45, default='')
        class Meta:
            database = db
            table_name = 'account_session'
    db.create_tables([AccountSession])

    class Address(Model):
        customer = ForeignKeyField(Customer, on_delete='CASCADE')
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
            table_name = 'address'
            indexes = ((('customer', 'kind'), True),)
    db.create_tables([Address])

    class Cart(Model):
        visitor = CharField(unique=True, null=True, max_length=64)
        customer = ForeignKeyField(Customer, unique=True, null=True, on_delete='CASCADE')
        ip = CharField(max_length=45, default='')
        created_at = DateTimeField()
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'cart'
    db.create_tables([Cart])

    class Category(Model):
        name = CharField(max_length=100)
        slug = CharField(unique=True, max_length=100)
        description = TextField(default='')
        position = IntegerField(default=0)
        product_count = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'category'
    db.create_tables([Category])

    class Product(Model):
        sku = CharField(unique=True, max_length=64)
        slug = CharField(unique=True, max_length=160)
        name = CharField(max_length=150)
        description = TextField(default='')
        price_cents = IntegerField()
        stock = IntegerField(default=0)
        availability = CharField(max_length=20, default='available')
        expected_on = DateField(null=True)
        weight_grams = IntegerField(default=0)
        image = CharField(null=True, max_length=200)
        category = ForeignKeyField(Category, on_delete='RESTRICT')
        created_at = DateTimeField()
        is_hidden = BooleanField(default=False)
        class Meta:
            database = db
            table_name = 'product'
            indexes = ((('category', 'is_hidden', 'price_cents', 'id'), False), (('category', 'is_hidden', 'name', 'id'), False), (('category', 'is_hidden', 'created_at', 'id'), False), (('created_at', 'id'), False))
    db.create_tables([Product])

    class CartLine(Model):
        cart = ForeignKeyField(Cart, on_delete='CASCADE')
        product = ForeignKeyField(Product, on_delete='CASCADE')
        quantity = IntegerField()
        added_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'cart_line'
            indexes = ((('cart', 'product'), True),)
    db.create_tables([CartLine])

    class LoginAttempt(Model):
        realm = CharField(max_length=10)
        subject = CharField(max_length=64)
        ip = CharField(max_length=45)
        succeeded = BooleanField()
        at = DateTimeField()
        class Meta:
            database = db
            table_name = 'login_attempt'
            indexes = ((('realm', 'subject', 'at'), False), (('realm', 'ip', 'at'), False), (('at',), False))
    db.create_tables([LoginAttempt])

    class Phone(Model):
        customer = ForeignKeyField(Customer, on_delete='CASCADE')
        kind = CharField(max_length=10)
        number = CharField(max_length=20)
        class Meta:
            database = db
            table_name = 'phone'
            indexes = ((('customer', 'kind'), True), (('number',), False))
    db.create_tables([Phone])

    class ProductWord(Model):
        word = CharField(max_length=40)
        product = ForeignKeyField(Product, on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'product_word'
            primary_key = False
            indexes = ((('word', 'product'), True),)
    db.create_tables([ProductWord])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('product_word'))
    migrator.migrate(migrator.drop_table('phone'))
    migrator.migrate(migrator.drop_table('login_attempt'))
    migrator.migrate(migrator.drop_table('cart_line'))
    migrator.migrate(migrator.drop_table('product'))
    migrator.migrate(migrator.drop_table('category'))
    migrator.migrate(migrator.drop_table('cart'))
    migrator.migrate(migrator.drop_table('address'))
    migrator.migrate(migrator.drop_table('account_session'))
    migrator.migrate(migrator.drop_table('staff_user'))
    migrator.migrate(migrator.drop_table('customer'))
