"""The page-view log's writer (P17): rows wait in a per-process buffer and are written
together, so a page costs an append rather than an INSERT.

The buffer is written with one INSERT when it holds TRACKING_BUFFER_ROWS rows, by a
background thread every TRACKING_FLUSH_SECONDS, and when a gunicorn worker exits
(gunicorn.conf.py). A process that dies without exiting (SIGKILL, out of memory, power)
loses the rows it held: at most TRACKING_BUFFER_ROWS page views, or those of the last
TRACKING_FLUSH_SECONDS, per worker. With TRACKING_BUFFER_ROWS = 0 (the tests) every page
view is written at once.
"""
import logging
import os
import threading
import time

from peewee import DatabaseError

from storefront.db import database, is_sqlite
from storefront.tracking.models import PageView

log = logging.getLogger(__name__)
_compiled = {}


class ClickLog:
    """A buffer of PageView rows (dicts) shared by a process's threads."""

    def __init__(self):
        self._rows = []
        self._lock = threading.Lock()
        self._timer_pid = None

    def add(self, row, buffer_rows, flush_seconds):
        """Buffer one page view; write the buffer when full (or at once when buffer_rows is 0)."""
        with self._lock:
            self._rows.append(row)
            full = len(self._rows) >= buffer_rows
        if full:
            self.flush()
        elif flush_seconds and self._timer_pid != os.getpid():
            self._start_timer(flush_seconds)

    def pending(self, visitor):
        """The buffered rows of one visitor, oldest first."""
        with self._lock:
            return [row for row in self._rows if row["visitor"] == visitor]

    def flush(self):
        """Write every buffered row with one INSERT; a failure is logged and the rows lost
        (a page view is never worth failing a page, nor retrying forever)."""
        with self._lock:
            rows, self._rows = self._rows, []
        if not rows:
            return 0
        was_closed = database.is_closed()
        sql, fields = self._insert_sql()
        values = [tuple(field.db_value(row[field.name]) for field in fields) for row in rows]
        try:
            with database.atomic():
                database.cursor().executemany(sql, values)
        except DatabaseError:
            log.exception("the page-view log lost %d rows", len(rows))
            return 0
        finally:
            if was_closed and not is_sqlite() and not database.is_closed():
                database.close()  # back to the pool (a request's own connection stays)
        return len(rows)

    @staticmethod
    def _insert_sql():
        """One row's INSERT, compiled once per database kind and run for every row (the
        query builder would cost more than the insert)."""
        kind = type(database.obj)
        if kind not in _compiled:
            fields = [PageView.visitor, PageView.path, PageView.referrer_host,
                      PageView.partner, PageView.product_id, PageView.at]
            query = PageView.insert({field: None for field in fields})
            if not is_sqlite():
                query = query.returning()  # no RETURNING id: executemany returns nothing
            _compiled[kind] = (query.sql()[0], fields)
        return _compiled[kind]

    def clear(self):
        """Forget the buffered rows (tests)."""
        with self._lock:
            self._rows = []

    def _start_timer(self, seconds):
        # After a fork (gunicorn workers) the parent's thread is gone: one per process.
        with self._lock:
            if self._timer_pid == os.getpid():
                return
            self._timer_pid = os.getpid()
        threading.Thread(target=self._flush_every, args=(seconds,), daemon=True,
                         name="page-view-log").start()

    def _flush_every(self, seconds):
        while True:
            time.sleep(seconds)
            self.flush()


clicks = ClickLog()


def flush():
    """Write the buffered page views now (worker exit, tests)."""
    return clicks.flush()
