"""The schema changes only through migrations, and migrations and models agree."""
from storefront import schema


def test_migrated_schema_matches_models(db):
    diff = schema.pending_changes(db.obj)
    assert not diff, f"models and migrations disagree:\n{diff}"


def test_migrating_again_applies_nothing(db):
    assert schema.migrate(db.obj) == []
    assert "0001_initial" in schema.runner(db.obj).applied()
