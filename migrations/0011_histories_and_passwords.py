"""Categories get a change history like products; a staff password chosen by someone else
must be changed at the next sign-in."""
from peewee import *


def up(migrator, db):
    class Category(Model):
        class Meta:
            database = db
            table_name = 'category'

    class CategoryChange(Model):
        category = ForeignKeyField(Category, on_delete='CASCADE')
        staff_id = IntegerField(index=True, null=True)
        at = DateTimeField()
        changes = TextField()
        class Meta:
            database = db
            table_name = 'category_change'
    db.create_tables([CategoryChange])

    migrator.migrate(migrator.add_column('staff_user', 'must_change_password',
                                         BooleanField(default=False)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('staff_user', 'must_change_password'))
    migrator.migrate(migrator.drop_table('category_change'))
