"""The period a report covers: a whole calendar month or year (UTC), read strictly from the
query string."""
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import abort, request

from storefront.db import utcnow
from storefront.web.params import text_arg

@dataclass(frozen=True)
class Period:
    """From the first to the last day, both included."""

    first: date
    last: date

    @property
    def start(self):
        """The first moment of the period (naive UTC, as stored)."""
        return datetime.combine(self.first, datetime.min.time())

    @property
    def end(self):
        """The first moment after the period."""
        return datetime.combine(self.last + timedelta(days=1), datetime.min.time())

    def covers(self, field):
        """The condition that field (a timestamp) falls within the period."""
        return (field >= self.start) & (field < self.end)


MONTH, YEAR = "month", "year"
_PATTERNS = {MONTH: re.compile(r"[0-9]{4}-[0-9]{2}"), YEAR: re.compile(r"[0-9]{4}")}
FIRST_YEAR = 2000


def whole(unit, day):
    """The calendar month or year that holds day."""
    if unit == YEAR:
        return Period(date(day.year, 1, 1), date(day.year, 12, 31))
    following = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return Period(date(day.year, day.month, 1), following - timedelta(days=1))


def period_arg(unit):
    """The period from ?period=YYYY-MM (a month) or ?period=YYYY (a year); the current one
    by default; anything else is a 400.

    Only whole calendar months or years, never a range of free dates: periods that overlap
    would let a figure withheld in one report be worked out by subtracting two others.
    """
    raw = text_arg("period", 7)
    if not raw:
        return whole(unit, utcnow().date())
    if not _PATTERNS[unit].fullmatch(raw):
        abort(400, "The parameter 'period' must be written "
                   f"{'YYYY-MM' if unit == MONTH else 'YYYY'}.")
    year, _, month = raw.partition("-")
    if not FIRST_YEAR <= int(year) <= utcnow().year + 1 or \
            (month and not 1 <= int(month) <= 12):
        abort(400, "The parameter 'period' is not a month or year we have figures for.")
    return whole(unit, date(int(year), int(month or 1), 1))


def only_args(*names):
    """Refuse a query string with any parameter but these (a typo must not be ignored)."""
    unknown = sorted(set(request.args) - set(names))
    if unknown:
        abort(400, f"Unknown parameter: {unknown[0]}.")
    for name in request.args:
        if len(request.args.getlist(name)) > 1:
            abort(400, f"The parameter '{name}' is given more than once.")
