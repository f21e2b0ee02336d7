"""Everything the shop holds about one person, gathered through the data inventory.

For each inventory item, the person's rows of each model it names, found through the
inventory's subject links, with exactly the fields the item declares, plus each row's record
number ("id") so that one record told under several items can be put together. Secrets that
would help nobody but an attacker stay out, and so do rows that cannot be tied to the person;
the file says which and why.
"""
from datetime import date, datetime
from functools import reduce
from operator import or_

from peewee import Model, fn

from storefront import schema
from storefront.accounts import throttle
from storefront.db import utcnow
from storefront.privacy import audit, inventory
from storefront.privacy.consent import email_key
from storefront.privacy.models import AuditEvent

# Declared fields left out of the file, with what the person is told instead.
WITHHELD = {
    "Customer.password_hash":
        "Your password is kept only as a hash that cannot be turned back into it. The hash is "
        "left out: it would help no one but someone trying to guess your password.",
    "SavedCard.sealed":
        "The number of a saved card is sealed so that only the payment company can open it; "
        "we cannot read it, so it is left out. The card's brand, first digit, last four and "
        "expiry date are here.",
}
STAFF_NOTE = ("Which of our staff did something for you (took an order by phone, shipped a "
              "parcel, recorded a choice, looked at your details) is about our staff, so their "
              "names are left out; that it happened is here.")
ADDRESS_ONLY_NOTE = (
    "Records tied only to an email address and not to your account are not in this file: "
    "orders placed as a guest, the mail sent to the address about them, choices made on forms "
    "while signed out, and attempts to sign in with the address. Anyone can type an address, "
    "so an account does not prove that its address is yours. Customer Care can send you those "
    "records once they have checked, by writing to the address, that it is yours.")
SIGN_IN_NOTE = ("Sign-in attempts are kept under a keyed fingerprint of the address typed, "
                "and were not looked up for this file.")
ABOUT = ("Everything we hold about you, item by item as our privacy page lists them. Each "
         "record carries our record number (id), so that the parts of one record told under "
         "different items can be put together. Times are UTC; amounts are in cents.")


def person_data(customer_id=None, address="", secret=None, recipient=None):
    """A JSON-ready dict of every inventory item's rows for the account and/or address.

    The address also brings in what is tied to it alone (guest orders, mail sent to it,
    choices made on signed-out forms, and, with the app's secret key, sign-in attempts):
    pass it only when the person has shown the address is theirs. With a recipient (an
    authority: inventory.LEGAL), only the items the inventory lets it have.
    """
    person = _Person(customer_id, address, secret)
    items = []
    for item in inventory.ITEMS:
        if item.key in inventory.STAFF_ITEMS or (
                recipient and not any(share.recipient == recipient for share in item.shares)):
            continue
        records = {}
        for model, fields in _declared_by_model(item):
            rows = person.rows(model) if model.__name__ in inventory.SUBJECT_LINKS else []
            if fields and rows:
                records[model.__name__] = [
                    {"id": row.id, **{name: json_value(row.__data__.get(name))
                                      for name in fields}} for row in rows]
        items.append({"key": item.key, "label": item.label, "records": records})
    return {"about": ABOUT, "generated_at": json_value(utcnow()),
            "person": {"account": customer_id, "address": email_key(address)},
            "items": items, "left_out": _notes(person)}


HELD_BACK = ("Disclosures of your data to authorities, and the IP addresses of our staff, "
             "are not in this file: a legal demand may forbid us to tell its subject, and "
             "our staff's addresses are not yours. Customer Care can tell you more.")


def holder_download(customer, ip):
    """My Account → Download my data: the account's own data, recorded in the audit log as
    exported by its holder (so a download from a stolen session is on record)."""
    audit.record(AuditEvent.EXPORTED, "data downloaded by its holder", staff_id=None,
                 customer_id=customer.id, ip=ip)
    return _without_staff_secrets(person_data(customer.id))


def _without_staff_secrets(data):
    """The holder's own file leaves out what is not theirs to have: disclosures to
    authorities (a demand may forbid telling its subject; ask Customer Care) and the IP
    addresses of staff members who acted on their data."""
    for item in data["items"]:
        records = item["records"]
        records.pop("Disclosure", None)
        if "AuditEvent" in records:
            records["AuditEvent"] = [row for row in records["AuditEvent"]
                                     if row.get("action") != AuditEvent.DISCLOSED]
        for model in ("AuditEvent", "ConsentEvent"):
            for row in records.get(model, []):
                if row.get("staff_id") is not None or model == "AuditEvent":
                    row.pop("ip", None)
    data["left_out"] = [*data["left_out"], HELD_BACK]
    return data


def json_value(value):
    """A stored value as JSON holds it: times in ISO 8601 (naive ones are UTC), foreign keys
    as the record number they hold, numbers and text as they are."""
    if isinstance(value, datetime):
        text = value.isoformat(timespec="seconds")
        return text + "Z" if value.tzinfo is None else text
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def models_named(owner):
    """The models a declared "Owner.field" covers: the class itself and its subclasses."""
    return [model for model in schema.all_models()
            if owner in {cls.__name__ for cls in model.__mro__
                         if isinstance(cls, type) and issubclass(cls, Model)}]


def _declared_by_model(item):
    """[(model, [field names shown])] for the item's declared fields, in declaration order."""
    shown = {}
    for name in item.fields:
        owner, field = name.split(".")
        for model in models_named(owner):
            fields = shown.setdefault(model, [])
            if name not in WITHHELD and field not in fields:
                fields.append(field)
    return list(shown.items())


def _notes(person):
    declared = set(inventory.declared())
    notes = [text for name, text in WITHHELD.items() if name in declared]
    notes.append(STAFF_NOTE)
    personal_models = {model.__name__ for item in inventory.ITEMS
                       if item.key not in inventory.STAFF_ITEMS
                       for name in item.fields for model in models_named(name.split(".")[0])}
    notes += [reason for model, reason in inventory.UNLINKED.items() if model in personal_models]
    if not person.keys:
        notes.append(ADDRESS_ONLY_NOTE)
    elif not person.subjects:
        notes.append(SIGN_IN_NOTE)
    return notes


class _Person:
    """The rows of one person, model by model, found through the inventory's subject links
    (each model's rows looked up once)."""

    def __init__(self, customer_id, address, secret):
        self.customer_id = customer_id
        key = email_key(address)
        self.keys = [key] if key else []
        self.subjects = [throttle.subject_key(secret, "customer", key)
                         for key in self.keys] if secret else []
        self.models = {model.__name__: model for model in schema.all_models()}
        self._rows = {}

    def rows(self, model):
        """The person's rows of the model, by id."""
        name = model.__name__
        if name not in self._rows:
            clauses = [clause for link in inventory.SUBJECT_LINKS[name]
                       if (clause := self._clause(model, link)) is not None]
            self._rows[name] = list(model.select().where(reduce(or_, clauses))
                                    .order_by(model.id)) if clauses else []
        return self._rows[name]

    def _clause(self, model, link):
        """The condition the link puts on the model's rows; None when it can match none."""
        way = link.way
        if way == inventory.NAMED_BY:
            owner, field = link.field.split(".")
            return self._among(model._meta.primary_key, {
                row.__data__.get(field) for row in self.rows(self.models[owner])} - {None})
        field = model._meta.fields[link.field]
        if way == inventory.ACCOUNT:
            return self._among(field, self._accounts(model, field))
        if way == inventory.EMAIL:
            return self._among(fn.LOWER(field), self.keys)
        if way == inventory.KEYED_EMAIL:
            return self._among(field, self.subjects)
        if way == inventory.PARENT:
            return self._among(field, [row.id for row in self.rows(field.rel_model)])
        if way == inventory.ORDER_NUMBER:
            return self._among(field, [row.number for row in self.rows(self.models["Order"])])
        raise ValueError(f"unknown subject link {way!r}")

    def _accounts(self, model, field):
        """The account ids: the one asked about for the account's own row, else every
        account found (the one asked about, or the one under the address)."""
        if field is model._meta.primary_key:
            return [] if self.customer_id is None else [self.customer_id]
        return [row.id for row in self.rows(self.models["Customer"])]

    @staticmethod
    def _among(column, values):
        values = sorted(values)
        return column.in_(values) if values else None
