"""Visitors and their touches (P17, P18): who came back, how often, and through which link.

A Visitor row is made only when a browser sends its cookie back, so a browser that keeps no
cookies never gets one; its touches stay tied to an id that nothing else ever carries.
"""
from datetime import timedelta

from peewee import IntegrityError, fn

from storefront.db import database
from storefront.tracking.models import Banner, Touch, Visitor

IDLE = timedelta(minutes=30)  # a request after this long without one starts a new visit
# last_seen is written at most this often, so a visitor's requests are not each a write;
# a visit's idle time is therefore known to within this.
SEEN_EVERY = timedelta(minutes=1)


def recognise(key, now):
    """The Visitor whose cookie came back: made on its first return (taking the touches its
    id already has), a visit counted after IDLE minutes without a request."""
    visitor = Visitor.get_or_none(Visitor.key == key)
    if visitor is None:
        return _first_return(key, now)
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
    first, if none). A banner id that names no banner is left out; with nothing else tagged
    there is no touch (None)."""
    banner_id = tags.banner_id
    if banner_id is not None and not Banner.select().where(Banner.id == banner_id).exists():
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
