"""The data inventory (issue 6): every field that looks personal by the inventory's rule is
declared or said not to be; no declaration names a field that is gone; every model is
examined; and the rule really catches a personal field added without a declaration."""
import dataclasses
import re
from datetime import timedelta

from peewee import CharField, DateField, ForeignKeyField, IntegerField, Model, TextField

from storefront import schema
from storefront.accounts.models import Customer
from storefront.privacy import inventory

WORDS = re.compile(r"(?:^|_)(?:" + "|".join(map(re.escape, inventory.PERSONAL_WORDS))
                   + r")(?:_|$)")


def owners(model):
    """The model's class name and its model base classes' (declarations may name either)."""
    return [cls.__name__ for cls in model.__mro__ if isinstance(cls, type)
            and issubclass(cls, Model) and cls is not Model]


def looks_personal(model, field):
    """The recognition rule of storefront/privacy/inventory.py's docstring, for one field."""
    if isinstance(field, ForeignKeyField):
        if field.rel_model.__name__ in inventory.PERSON_LINKS:
            return True
    elif isinstance(field, IntegerField | CharField) and (
            field.name in ("customer_id", "staff_id", "visitor") or field.name.endswith("_by_id")):
        return True
    if isinstance(field, TextField):
        return True
    if field is not model._meta.primary_key and \
            set(owners(model)) & set(inventory.PERSON_MODELS):
        return True
    return bool(WORDS.search(field.name))


def names_of(model, field):
    return [f"{owner}.{field.name}" for owner in owners(model)]


def unexamined(models):
    """"Model.field" for each field the rule catches that is neither declared nor listed
    as not personal."""
    known = set(inventory.declared()) | set(inventory.NOT_PERSONAL)
    return [f"{model.__name__}.{field.name}" for model in models
            for field in model._meta.sorted_fields
            if looks_personal(model, field) and not known & set(names_of(model, field))]


def existing(models):
    return {name for model in models for field in model._meta.sorted_fields
            for name in names_of(model, field)}


def stale(models, names):
    """The names that are no field of any model (a base class's counts)."""
    fields = existing(models)
    return sorted(name for name in names if name not in fields)


def all_declared_fields():
    return [name for item in inventory.ITEMS for name in item.fields]


def test_every_field_that_looks_personal_is_declared_or_said_not_to_be():
    missing = unexamined(schema.all_models())
    assert not missing, (
        f"personal-looking fields without a declaration: {missing}. Add each to an item of "
        "storefront/privacy/inventory.py, or to NOT_PERSONAL with the reason.")


def test_no_declaration_names_a_field_that_is_gone():
    models = schema.all_models()
    assert stale(models, all_declared_fields()) == []
    assert stale(models, inventory.NOT_PERSONAL) == []
    shared = [name for item in inventory.ITEMS for share in item.shares for name in share.fields]
    assert stale(models, set(shared) - {n for i in inventory.ITEMS for n in i.unstored}) == []


def test_every_model_is_examined():
    named = {name.split(".")[0] for name in all_declared_fields()}
    for model in schema.all_models():
        declared = named & set(owners(model))
        unexplained = model.__name__ not in inventory.NO_PERSONAL_DATA
        assert declared or not unexplained, f"{model.__name__} is in no item and not in " \
                                            "NO_PERSONAL_DATA"
        assert not (declared and not unexplained), \
            f"{model.__name__} has declared fields but is listed as holding no personal data"
    assert set(inventory.NO_PERSONAL_DATA) <= {m.__name__ for m in schema.all_models()}


def test_each_field_is_declared_once_and_items_are_well_formed():
    names = [name for item in inventory.ITEMS for name in item.names()]
    assert len(names) == len(set(names)), "a field is declared in two items"
    assert not set(names) & set(inventory.NOT_PERSONAL)
    assert len({item.key for item in inventory.ITEMS}) == len(inventory.ITEMS)
    assert len({item.label for item in inventory.ITEMS}) == len(inventory.ITEMS)
    for item in inventory.ITEMS:
        assert item.category in inventory.CATEGORIES, item.key
        assert item.purposes and item.collected and item.retention, item.key
        for share in item.shares:
            assert share.recipient in inventory.RECIPIENTS, item.key
            assert set(share.fields) <= set(item.names()), \
                f"{item.key} shares with {share.recipient} what it does not hold"
    assert all(reason.strip() for reason in inventory.NOT_PERSONAL.values())
    assert all(reason.strip() for reason in inventory.NO_PERSONAL_DATA.values())


def test_correspondence_goes_to_no_recipient():
    for item in inventory.ITEMS:
        if item.category == inventory.CORRESPONDENCE:
            assert item.shares == (), f"{item.key} is correspondence and must go to no one"


# --- The rule at work: it catches what a developer might add without declaring. -----------

class Newsletter(Model):
    """A table someone might add tomorrow (defined here only, never created)."""

    email = CharField()
    notes = TextField()
    title = CharField()  # not personal: the rule leaves it alone
    sent_on = DateField()


class CustomerWithBirthday(Customer):
    """Customer grown a new column."""

    birthday = DateField(null=True)


class Referral(Model):
    referrer = ForeignKeyField(Customer)
    invited_by_id = IntegerField()
    count = IntegerField()


def test_the_rule_catches_a_new_model_with_personal_fields():
    models = [*schema.all_models(), Newsletter, Referral]
    assert unexamined(models) == ["Newsletter.email", "Newsletter.notes",
                                  "Referral.referrer", "Referral.invited_by_id"]


def test_the_rule_catches_a_personal_field_added_to_a_declared_model():
    # Customer's own fields are declared, so only the new one is reported.
    assert unexamined([CustomerWithBirthday]) == ["CustomerWithBirthday.birthday"]


def test_dropping_a_declaration_is_caught(monkeypatch):
    items = tuple(dataclasses.replace(item, fields=tuple(
        name for name in item.fields if name not in ("Phone.number", "Cart.ip")))
        for item in inventory.ITEMS)
    monkeypatch.setattr(inventory, "ITEMS", items)
    assert unexamined(schema.all_models()) == ["Phone.number", "Cart.ip"]


def test_a_declaration_of_a_missing_field_is_caught():
    assert stale(schema.all_models(), ["Customer.name", "Customer.nickname",
                                       "PostalAddress.city", "Ghost.email"]) == \
        ["Customer.nickname", "Ghost.email"]


# --- What the inventory says about keeping things matches the code. -----------------------

def item(key):
    return next(item for item in inventory.ITEMS if item.key == key)


def test_retention_words_match_the_code(app):
    from storefront.accounts import sessions, throttle
    assert throttle.RETENTION == timedelta(days=30)
    assert item("sign_in").retention == "30 days."
    assert sessions.REMEMBERED_FOR == timedelta(days=30)
    assert sessions.CUSTOMER_IDLE == timedelta(hours=12)
    assert "after 12 hours unused, or 30 days after you signed in" in item("sessions").retention
    ip = inventory.fill(item("ip").retention, app.config)
    assert f"after {app.config['PRIVACY_IP_DAYS']} days" in ip
    assert f"after {app.config['REQUEST_LOG_DAYS']} days" in ip
    assert f"{app.config['VISITOR_COOKIE_DAYS']} days" in \
        inventory.fill(item("visitor").retention, app.config)
