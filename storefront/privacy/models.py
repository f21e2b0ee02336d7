"""The privacy records: policy versions and the consent ledger.

The ledger is append-only: a person's current choice is derived from their latest event, and
no event is ever changed or removed by the app (the guards below refuse it), so the ledger
is also the proof of what each person chose, where and when.
"""
from peewee import (BooleanField, Case, CharField, DateTimeField, ForeignKeyField, IntegerField,
                    ModelInsert, TextField)

from storefront.db import BaseModel, utcnow


class _AddingInsert(ModelInsert):
    """An INSERT that only adds: an ON CONFLICT clause (REPLACE, an upsert) would let it
    overwrite a row that is already there, so one is refused when the query is run."""

    def __sql__(self, ctx):
        if self._on_conflict is not None:
            raise PermissionError(f"{self.model.__name__} rows are never replaced")
        return super().__sql__(ctx)


class AppendOnly(BaseModel):
    """A table the app only ever adds rows to."""

    @classmethod
    def insert(cls, __data=None, **insert):
        return _AddingInsert(cls, cls._normalize_data(__data, insert))

    @classmethod
    def insert_many(cls, rows, fields=None):
        return _AddingInsert(cls, insert=rows, columns=fields)

    @classmethod
    def insert_from(cls, query, fields):
        columns = [getattr(cls, field) if isinstance(field, str) else field for field in fields]
        return _AddingInsert(cls, insert=query, columns=columns)

    def save(self, *args, **kwargs):
        if self._pk is not None and not kwargs.get("force_insert"):
            raise PermissionError(f"{type(self).__name__} rows are never changed")
        return super().save(*args, **kwargs)

    def delete_instance(self, *args, **kwargs):
        raise PermissionError(f"{type(self).__name__} rows are never deleted")

    @classmethod
    def update(cls, *args, **kwargs):
        raise PermissionError(f"{cls.__name__} rows are never changed")

    @classmethod
    def truncate_table(cls, *args, **kwargs):
        raise PermissionError(f"{cls.__name__} rows are never deleted")

    @classmethod
    def delete(cls):
        raise PermissionError(f"{cls.__name__} rows are never deleted")

    @classmethod
    def pseudonymise(cls, customer_id, email_key, digest):
        """The one change these rows allow, when a person deletes their account: the
        account's rows keep their proof but name the address by a one-way hash (digest: the
        hex SHA-256 of email_key) instead, and forget the IP addresses the person acted
        from (a staff member's stays). Returns the number of rows changed."""
        return cls._pseudonymise_where(cls.customer_id == customer_id, email_key, digest)

    @classmethod
    def _pseudonymise_where(cls, condition, email_key, digest):
        values = {cls.email_key: Case(None, [(cls.email_key == email_key, f"sha256:{digest}")],
                                      cls.email_key)}
        if "ip" in cls._meta.fields:
            values[cls.ip] = Case(None, [(cls.staff_id.is_null(), "")], cls.ip)
        return super().update(values).where(condition).execute()


class PolicyVersion(BaseModel):
    """One version of the privacy policy: its text, what changed, the uses it adds, and
    the date from which it governs."""

    label = CharField(max_length=20, unique=True)
    summary = TextField(default="")
    body = TextField(default="")  # Markdown written by staff
    adds_uses = CharField(max_length=200, default="")  # purpose keys, comma-separated
    effective_at = DateTimeField(index=True)
    published_at = DateTimeField(default=utcnow)
    published_by_id = IntegerField(null=True)  # a StaffUser id: privacy sits below accounts


class ConsentEvent(AppendOnly):
    """A consent given or withdrawn by one person for one purpose."""

    customer_id = IntegerField(null=True, index=True)  # the account, when there is one
    email_key = CharField(max_length=254, default="", index=True)  # lower-cased address
    purpose = CharField(max_length=40)
    given = BooleanField()
    channel = CharField(max_length=20)
    staff_id = IntegerField(null=True)  # the staff member who recorded it for the person
    policy_version = CharField(max_length=20)
    reference = CharField(max_length=80, default="")  # what it rests on: a message, a call
    ip = CharField(max_length=45, default="")
    at = DateTimeField(default=utcnow, index=True)


class Disclosure(AppendOnly):
    """One person's data handed to an authority (P14): who asked, on what basis, who acted."""

    customer_id = IntegerField(null=True, index=True)
    email_key = CharField(max_length=254, default="", index=True)
    authority = CharField(max_length=200)
    case_reference = CharField(max_length=100)
    legal_basis = CharField(max_length=300)
    staff_id = IntegerField()
    at = DateTimeField(default=utcnow, index=True)


class AuditEvent(AppendOnly):
    """One staff action on a person's personal data: who, whom, what, when."""

    VIEWED, EXPORTED, DISCLOSED, ERASED, CHANGED = (
        "viewed", "exported", "disclosed", "erased", "changed")

    at = DateTimeField(default=utcnow, index=True)
    staff_id = IntegerField(null=True, index=True)  # None: the person themselves, or the shop
    action = CharField(max_length=20)
    customer_id = IntegerField(null=True, index=True)
    email_key = CharField(max_length=254, default="", index=True)
    what = CharField(max_length=200)  # "customer page", "order K7QM-3XPD", "correspondence 12"
    ip = CharField(max_length=45, default="")

    @classmethod
    def pseudonymise_address(cls, email_key, digest):
        """As pseudonymise, for the events that name an address and no account (staff looking
        at a guest order, an invitation mailed for one) when the address was the deleted
        account's own: one given with an order in it. Returns the number of rows changed."""
        return cls._pseudonymise_where(cls.customer_id.is_null() & (cls.email_key == email_key),
                                       email_key, digest)


class PolicyNotice(AppendOnly):
    """Who was told of a policy version before it took effect. A use the version adds applies,
    unless refused, only to the people told of it in advance (P15)."""

    version = ForeignKeyField(PolicyVersion, backref="notices", on_delete="CASCADE")
    email_key = CharField(max_length=254)
    customer_id = IntegerField(null=True, index=True)
    at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("version", "email_key"), True), (("email_key",), False))
