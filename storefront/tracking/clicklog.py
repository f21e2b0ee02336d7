"""Buffered writers for the logs written on every page: the page-view log (P17) and the
request log (P8). Rows wait in a per-process buffer and are written together, so a page
costs an append rather than an INSERT.

A buffer is written with one INSERT when it holds TRACKING_BUFFER_ROWS rows, by a
background thread every TRACKING_FLUSH_SECONDS, and when a gunicorn worker exits
(gunicorn.conf.py). A process that dies without exiting (SIGKILL, out of memory, power)
loses the rows it held: at most TRACKING_BUFFER_ROWS rows per log, or those of the last
TRACKING_FLUSH_SECONDS, per worker. With TRACKING_BUFFER_ROWS = 0 (the tests) every row is
written at once.
"""
import logging
import os
import threading
import time

from peewee import DatabaseError

from storefront.db import database, is_sqlite
from storefront.tracking.models import PageView, RequestLog

log = logging.getLogger(__name__)


class BufferedLog:
    """A buffer of rows (dicts keyed by field name) of one model, shared by a process's
    threads."""

    def __init__(self, model, field_names, name):
        self.model, self.name = model, name
        self._fields = [getattr(model, field_name) for field_name in field_names]
        self._compiled = {}
        self._rows = []
        self._lock = threading.Lock()
        self._timer_pid = None
        # How many times this process has written the buffer: a cache of what the table
        # holds, kept under this number, is never older than the process's own rows.
        self.writes = 0

    def add(self, row, buffer_rows, flush_seconds):
        """Buffer one row; write the buffer when full (or at once when buffer_rows is 0)."""
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
        (a log row is never worth failing a page, nor retrying forever)."""
        with self._lock:
            rows, self._rows = self._rows, []
        if not rows:
            return 0
        was_closed = database.is_closed()
        sql = self._insert_sql()
        values = [tuple(field.db_value(row[field.name]) for field in self._fields)
                  for row in rows]
        try:
            with database.atomic():
                database.cursor().executemany(sql, values)
        except DatabaseError:
            log.exception("the %s lost %d rows", self.name, len(rows))
            return 0
        finally:
            if was_closed and not is_sqlite() and not database.is_closed():
                database.close()  # back to the pool (a request's own connection stays)
        with self._lock:
            self.writes += 1
        return len(rows)

    def _insert_sql(self):
        """One row's INSERT, compiled once per database kind and run for every row (the
        query builder would cost more than the insert)."""
        kind = type(database.obj)
        if kind not in self._compiled:
            query = self.model.insert({field: None for field in self._fields})
            if not is_sqlite():
                query = query.returning()  # no RETURNING id: executemany returns nothing
            self._compiled[kind] = query.sql()[0]
        return self._compiled[kind]

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
                         name=self.name).start()

    def _flush_every(self, seconds):
        while True:
            time.sleep(seconds)
            self.flush()


clicks = BufferedLog(PageView, ("visitor", "path", "referrer_host", "partner", "product_id",
                                "at"), "page-view log")
request_log = BufferedLog(RequestLog, ("at", "ip", "method", "path", "status", "duration_ms",
                                       "visitor"), "request log")


def flush():
    """Write the buffered page views now (tests)."""
    return clicks.flush()


def flush_all():
    """Write every log's buffered rows now (worker exit)."""
    return clicks.flush() + request_log.flush()
