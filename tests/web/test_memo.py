"""The fragment cache: expiry, bounded size, disabled at 0 seconds."""
from storefront.web.memo import TimedCache


def test_values_expire_and_size_is_bounded():
    now = [0.0]
    cache, calls = TimedCache(max_entries=2, clock=lambda: now[0]), []

    def compute(value):
        return lambda: calls.append(value) or value

    assert cache.get("a", 10, compute(1)) == 1
    assert cache.get("a", 10, compute(2)) == 1
    now[0] = 11
    assert cache.get("a", 10, compute(3)) == 3
    cache.get("b", 10, compute(4))
    cache.get("a", 10, compute(0))  # a hit makes "a" recently used
    cache.get("c", 10, compute(5))  # evicts "b", the least recently used
    assert cache.get("a", 10, compute(6)) == 3
    assert cache.get("b", 10, compute(7)) == 7
    assert calls == [1, 3, 4, 5, 7]


def test_zero_seconds_disables_caching():
    cache = TimedCache()
    assert [cache.get("k", 0, lambda n=n: n) for n in range(3)] == [0, 1, 2]


def test_not_found_is_not_kept():
    cache, calls = TimedCache(), []
    assert cache.get("missing", 60, lambda: calls.append(1)) is None
    assert cache.get("missing", 60, lambda: calls.append(2)) is None
    assert calls == [1, 2]
