"""The period a report covers: whole days, UTC, read strictly from the query string."""
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import abort, request

from storefront.db import utcnow
from storefront.web.params import text_arg

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


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


def last_days(days, today=None):
    """The period of the given number of days ending today."""
    last = today or utcnow().date()
    return Period(last - timedelta(days=days - 1), last)


def _date_arg(name):
    raw = text_arg(name, 10)
    if not raw:
        return None
    if not _ISO_DATE.fullmatch(raw):
        abort(400, f"The parameter '{name}' must be a date written YYYY-MM-DD.")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        abort(400, f"The parameter '{name}' is not a real date.")


def period_arg(default_days, max_days):
    """The period from ?from=YYYY-MM-DD&to=YYYY-MM-DD; bad or too long periods are a 400."""
    default = last_days(default_days)
    last = _date_arg("to") or default.last
    first = _date_arg("from") or last - timedelta(days=default_days - 1)
    if first > last:
        abort(400, "The period must not end before it starts.")
    if (last - first).days + 1 > max_days:
        abort(400, f"The period can be at most {max_days} days long.")
    return Period(first, last)


def only_args(*names):
    """Refuse a query string with any parameter but these (a typo must not be ignored)."""
    unknown = sorted(set(request.args) - set(names))
    if unknown:
        abort(400, f"Unknown parameter: {unknown[0]}.")
    for name in request.args:
        if len(request.args.getlist(name)) > 1:
            abort(400, f"The parameter '{name}' is given more than once.")
