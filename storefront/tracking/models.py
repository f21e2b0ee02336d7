"""Visitors, the touches that brought them (referral links, banners, UTM tags) and the
page-view log (P17, P18). A visitor is a browser's random cookie id, never a person."""
from peewee import SQL, CharField, DateTimeField, ForeignKeyField, IntegerField, fn

from storefront.db import BaseModel, utcnow
from storefront.partners.models import Partner


class Banner(BaseModel):
    """A banner that can be clicked somewhere (a partner's page, a campaign): ?banner=<id>."""

    partner = ForeignKeyField(Partner, null=True, backref="banners", on_delete="SET NULL")
    campaign = CharField(max_length=80, default="")
    placement = CharField(max_length=80)
    image = CharField(max_length=200, default="")
    target_url = CharField(max_length=300, default="")  # where a click leads: a path of the shop
    starts_at = DateTimeField(null=True)  # shown from, until (open-ended when empty)
    ends_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)


class Touch(BaseModel):
    """One arrival through a tagged link: ?ref=, ?banner=, utm_*, or a partner's entry."""

    visitor = CharField(max_length=64, index=True)
    source = CharField(max_length=80, default="")  # ?ref=
    banner = ForeignKeyField(Banner, null=True, on_delete="SET NULL")
    utm_source = CharField(max_length=80, default="")
    utm_medium = CharField(max_length=80, default="")
    utm_campaign = CharField(max_length=80, default="")
    partner = ForeignKeyField(Partner, null=True, on_delete="SET NULL")
    landing_path = CharField(max_length=300)
    referrer_host = CharField(max_length=200, default="")
    at = DateTimeField(default=utcnow, index=True)

    @classmethod
    def banner_clicks(cls, banner):
        """The touches through a banner: each is one click on it."""
        return cls.select().where(cls.banner == banner)


class Visitor(BaseModel):
    """A browser seen before: when first and last, how many visits, first and last touch."""

    key = CharField(max_length=64, unique=True)
    first_seen = DateTimeField(default=utcnow)
    last_seen = DateTimeField(default=utcnow, index=True)
    visits = IntegerField(default=1)
    first_touch = ForeignKeyField(Touch, null=True, on_delete="SET NULL", backref="+")
    last_touch = ForeignKeyField(Touch, null=True, on_delete="SET NULL", backref="+")


class PageView(BaseModel):
    """One page served to a visitor (the click log)."""

    visitor = CharField(max_length=64, index=True)
    path = CharField(max_length=300)
    referrer_host = CharField(max_length=200, default="")
    partner = ForeignKeyField(Partner, null=True, on_delete="SET NULL")
    product_id = IntegerField(null=True)  # for "recently viewed"; not a key into the catalogue
    at = DateTimeField(default=utcnow, index=True)

    class Meta:
        indexes = ((("visitor", "at"), False),)

    @classmethod
    def recent_product_ids(cls, visitor, limit, scan=30):
        """Ids of the products among a visitor's last `scan` page views, latest first.

        Runs on every home and product page, so the SQL is built once per database kind
        and limits (building it costs more than running it)."""
        kind = (type(cls._meta.database.obj), limit, scan)
        if kind not in _recent_sql:
            latest = (cls.select(cls.product_id, cls.at).where(cls.visitor == _ANY_VISITOR)
                      .order_by(cls.at.desc()).limit(scan).alias("latest"))
            query = (cls.select(latest.c.product_id, fn.MAX(latest.c.at).alias("seen"))
                     .from_(latest).where(latest.c.product_id.is_null(False))
                     .group_by(latest.c.product_id).order_by(SQL("seen").desc()).limit(limit))
            _recent_sql[kind] = query.sql()
        sql, params = _recent_sql[kind]
        params = [visitor if param == _ANY_VISITOR else param for param in params]
        return [row[0] for row in cls._meta.database.execute_sql(sql, params)]


class RequestLog(BaseModel):
    """One request, for diagnostics (P8). The IP is emptied after PRIVACY_IP_DAYS by
    `storefront privacy purge`; the rest goes after REQUEST_LOG_DAYS."""

    at = DateTimeField(default=utcnow, index=True)
    ip = CharField(max_length=45, null=True)
    method = CharField(max_length=8)
    path = CharField(max_length=300)
    status = IntegerField()
    duration_ms = IntegerField()
    visitor = CharField(max_length=64, default="")

    class Meta:
        indexes = ((("ip", "at"), False), (("visitor", "at"), False))


_ANY_VISITOR = "\x00visitor\x00"  # stands for the visitor while the SQL is built
_recent_sql = {}
