"""Visitors and their touches (P17, P18): who came back, how often, and through which link.

A Visitor row is made only when a browser sends its cookie back, so a browser that keeps no
cookies never gets one; its touches stay tied to an id that nothing else ever carries.
"""
from datetime import datetime, timedelta

from peewee import IntegrityError, fn

from storefront.db import database, utcnow
from storefront.tracking import banners
from storefront.tracking.models import Banner, Touch, Visitor

IDLE = timedelta(minutes=30)  # a request after this long without one starts a new visit
# last_seen is written at most this often, so a visitor's requests are not each a write;
# a visit's idle time is therefore known to within this.
SEEN_EVERY = timedelta(minutes=1)


SENTINEL = "\x00visitor\x00"  # stands for the key while a statement is compiled


class Seen:
    """What the pipeline needs of a Visitor row, read without building a model."""

    __slots__ = ("id", "visits", "last_seen", "first_touch_id", "last_touch_id")

    def __init__(self, id, visits, last_seen, first_touch_id, last_touch_id):  # noqa: A002
        self.id, self.visits, self.last_seen = id, visits, last_seen
        self.first_touch_id, self.last_touch_id = first_touch_id, last_touch_id


_compiled = {}


def _visitor_sql():
    """SELECT of a Visitor by key, compiled once per database kind: it runs on every request,
    and building it with the query builder costs more than running it."""
    kind = type(database.obj)
    if kind not in _compiled:
        _compiled[kind] = (Visitor.select(Visitor.id, Visitor.visits, Visitor.last_seen,
                                          Visitor.first_touch, Visitor.last_touch)
                           .where(Visitor.key == SENTINEL).sql()[0])
    return _compiled[kind]


def _seen(key):
    row = database.execute_sql(_visitor_sql(), (key,)).fetchone()
    if row is None:
        return None
    id_, visits, last_seen, first, last = row
    if isinstance(last_seen, str):  # SQLite: ISO text, which fromisoformat reads fastest
        last_seen = datetime.fromisoformat(last_seen)
    return Seen(id_, visits, last_seen, first, last)


def recognise(key, now):
    """The visitor whose cookie came back (a Seen): made on its first return (taking the
    touches its id already has), a visit counted after IDLE minutes without a request."""
    visitor = _seen(key)
    if visitor is None:
        made = _first_return(key, now)
        return Seen(made.id, made.visits, made.last_seen, made.first_touch_id,
                    made.last_touch_id)
    if now - visitor.last_seen >= IDLE:
        # Conditional, so two requests racing after a pause count one visit.
        counted = (Visitor.update(visits=Visitor.visits + 1, last_seen=now)
                   .where(Visitor.id == visitor.id, Visitor.last_seen <= now - IDLE)
                   .execute())
        if counted:
            visitor.visits += 1
            visitor.last_seen = now
    elif now - visitor.last_seen >= SEEN_EVERY:
        Visitor.update(last_seen=now).where(Visitor.id == visitor.id,
                                            Visitor.last_seen < now).execute()
        visitor.last_seen = now
    return visitor


def _first_return(key, now):
    first, last = (Touch.select(fn.MIN(Touch.id), fn.MAX(Touch.id))
                   .where(Touch.visitor == key).tuples().get())
    try:
        with database.atomic():
            return Visitor.create(key=key, first_seen=now, last_seen=now,
                                  first_touch=first, last_touch=last)
    except IntegrityError:  # the browser's other request made it first
        return Visitor.get(Visitor.key == key)


def record_touch(key, tags, landing_path, referrer_host, partner=None, visitor=None):
    """Record an arrival through a tagged link and make it the visitor's last touch (and
    first, if none). A banner id is left out unless it names a banner shown now (between its
    dates): an old or early link is no click of it. With nothing else tagged there is no
    touch (None)."""
    banner_id = tags.banner_id
    if banner_id is not None:
        banner = Banner.get_or_none(Banner.id == banner_id)
        if banner is None or banners.status(banner, utcnow()) != banners.LIVE:
            banner_id = None
    if banner_id is None and not (tags.source or tags.utm_source or tags.utm_medium
                                  or tags.utm_campaign):
        return None
    with database.atomic():
        touch = Touch.create(visitor=key, source=tags.source, banner=banner_id,
                             utm_source=tags.utm_source, utm_medium=tags.utm_medium,
                             utm_campaign=tags.utm_campaign, partner=partner,
                             landing_path=landing_path, referrer_host=referrer_host)
        if visitor is not None:
            (Visitor.update(last_touch=touch,
                            first_touch=fn.COALESCE(Visitor.first_touch, touch.id))
             .where(Visitor.id == visitor.id).execute())
            visitor.last_touch_id = touch.id
            visitor.first_touch_id = visitor.first_touch_id or touch.id
    return touch
