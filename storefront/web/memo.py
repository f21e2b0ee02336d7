"""A tiny per-process cache for page fragments that tolerate being a few seconds old."""
import threading
import time


class TimedCache:
    """Values computed on demand and kept for a number of seconds (0 disables)."""

    def __init__(self):
        self._values = {}
        self._lock = threading.Lock()

    def get(self, key, seconds, compute):
        """The cached value for key, recomputed when older than seconds."""
        now = time.monotonic()
        hit = self._values.get(key)
        if hit and hit[0] > now:
            return hit[1]
        value = compute()
        if seconds > 0:
            with self._lock:
                self._values[key] = (now + seconds, value)
        return value

    def clear(self):
        with self._lock:
            self._values.clear()
