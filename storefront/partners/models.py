"""Co-brand partners (P16): who they are and how their frame looks. Their themes live in
themes/<slug>/ (data, not code)."""
from peewee import BooleanField, CharField, DateTimeField

from storefront.db import BaseModel, utcnow


class Partner(BaseModel):
    TOP, BOTTOM = "top", "bottom"

    slug = CharField(max_length=40, unique=True)
    name = CharField(max_length=120)
    logo = CharField(max_length=200, default="")  # a file in themes/<slug>/static/
    frame = CharField(max_length=10, default=TOP)  # where the partner's frame is drawn
    show_both_logos = BooleanField(default=True)
    privacy_url = CharField(max_length=300)
    hosts = CharField(max_length=500, default="")  # space-separated host names of its own
    is_active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)

    @property
    def host_names(self):
        """The host names that open the shop in this partner's frame."""
        return self.hosts.split()

    @classmethod
    def active(cls):
        """Partners that may be entered, by slug."""
        return cls.select().where(cls.is_active == True).order_by(cls.slug)  # noqa: E712
