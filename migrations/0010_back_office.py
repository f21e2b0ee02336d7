"""The back office: product images and the history of product changes; banners' target and
the dates they show."""
from peewee import *


def up(migrator, db):
    class Product(Model):
        class Meta:
            database = db
            table_name = 'product'

    class ProductChange(Model):
        product = ForeignKeyField(Product, on_delete='CASCADE')
        staff_id = IntegerField(index=True, null=True)
        at = DateTimeField()
        changes = TextField()
        class Meta:
            database = db
            table_name = 'product_change'
    db.create_tables([ProductChange])

    class ProductImage(Model):
        product = ForeignKeyField(Product, on_delete='CASCADE')
        filename = CharField(max_length=200)
        thumbnail = CharField(max_length=200)
        width = IntegerField()
        height = IntegerField()
        position = IntegerField(default=0)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'product_image'
    db.create_tables([ProductImage])

    migrator.migrate(migrator.add_column('category', 'is_hidden', BooleanField(default=False)))
    migrator.migrate(migrator.add_column('banner', 'target_url', CharField(max_length=300, default='')))
    migrator.migrate(migrator.add_column('banner', 'starts_at', DateTimeField(null=True)))
    migrator.migrate(migrator.add_column('banner', 'ends_at', DateTimeField(null=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('banner', 'ends_at'))
    migrator.migrate(migrator.drop_column('banner', 'starts_at'))
    migrator.migrate(migrator.drop_column('banner', 'target_url'))
    migrator.migrate(migrator.drop_table('product_image'))
    migrator.migrate(migrator.drop_table('product_change'))
    migrator.migrate(migrator.drop_column('category', 'is_hidden'))
