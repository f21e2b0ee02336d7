"""A small per-process cache for data and page fragments that may be a few seconds old.

Each gunicorn worker has its own; entries expire after `seconds` and the least recently used
go first once `max_entries` is reached, so memory stays bounded however many pages exist.
"""
import threading
import time
import weakref
from collections import OrderedDict

_every_cache = weakref.WeakSet()


def clear_all():
    """Forget the values of every cache of this process (between tests: a value cached in
    one must not show in the next)."""
    for cache in list(_every_cache):
        cache.clear()


class TimedCache:
    """Values computed on demand and kept for a number of seconds (0 disables caching)."""

    def __init__(self, max_entries=512, clock=time.monotonic):
        self._clock = clock
        self._values = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()
        _every_cache.add(self)

    def get(self, key, seconds, compute):
        """The cached value for key, recomputed when older than seconds.

        None ("not found") is never kept: made-up URLs must not push out real entries.
        """
        now = self._clock()
        with self._lock:
            hit = self._values.get(key)
            if hit and hit[0] > now:
                self._values.move_to_end(key)
                return hit[1]
        value = compute()
        if seconds > 0 and value is not None:
            with self._lock:
                self._values[key] = (now + seconds, value)
                self._values.move_to_end(key)
                while len(self._values) > self._max:
                    self._values.popitem(last=False)
        return value

    def clear(self):
        """Forget every value."""
        with self._lock:
            self._values.clear()
