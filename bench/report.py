"""Print bench/run's results as tables with the issue's targets next to the figures.

Usage: python bench/report.py RESULTS_DIR

RESULTS_DIR holds what bench/run wrote: meta.txt (key=value lines), one wrk-<name>.json per
measured page (the BENCH_JSON line of bench/wrk.lua plus name, path and other_cpu_pct),
rss.txt / rss-nocache.txt (pid and VmHWM in kB of each shop worker after the load).
The targets are judged on the first table (the shop as `make run` serves it); the cache-off
table is for information. Exits 0 either way; the verdict is printed.
"""
import json
import sys
from pathlib import Path

# name: (label, minimum fraction of hello-world's requests/s, or None)
PAGES = {
    "home": ("home", None),
    "category-1": ("category, page 1", 0.25),
    "category-400": ("category, page 400", 0.25),
    "product": ("product", 0.30),
    "search": ("search", None),
}
P99_LIMIT_MS = 50.0
RSS_LIMIT_MB = 100.0
NOISY_OTHER_CPU = 5  # percent of the machine used by other processes that makes a run suspect


def _meta(folder):
    meta = {}
    path = folder / "meta.txt"
    if path.exists():
        for line in path.read_text().splitlines():
            key, _, value = line.partition("=")
            if key:
                meta[key.strip()] = value.strip()
    return meta


def _runs(folder):
    runs = {}
    for path in sorted(folder.glob("wrk-*.json")):
        run = json.loads(path.read_text())
        run["rps"] = run["requests"] / (run["duration_us"] / 1e6) if run["duration_us"] else 0.0
        runs[run["name"]] = run
    return runs


def _rss(path):
    rows = []
    if path.exists():
        for line in path.read_text().splitlines():
            pid, _, kb = line.partition(" ")
            if kb.strip().isdigit():
                rows.append((pid, int(kb)))
    return rows


def _mark(ok):
    return "ok" if ok else "MISS"


def _row(label, run, floor, minimum):
    """One table line and the failed checks, as (text, [failure, ...])."""
    if run is None:
        return f"{label:<21}{'(not measured)':>14}", [f"{label}: not measured"]
    errors = run["errors"]
    socket_errors = errors["connect"] + errors["read"] + errors["write"] + errors["timeout"]
    p50 = run["latency_us"]["p50"] / 1000
    p99 = run["latency_us"]["p99"] / 1000
    ratio = run["rps"] / floor if floor else float("nan")
    checks = []
    if minimum is not None:
        checks.append((ratio >= minimum, f"≥ {minimum:.2f}"))
    checks.append((p99 < P99_LIMIT_MS, "p99"))
    checks.append((run["non2xx"] == 0 and socket_errors == 0, "non-2xx"))
    verdict = "  ".join(f"{text} {_mark(ok)}" for ok, text in checks)
    text = (f"{label:<21}{run['rps']:>9.0f}{p50:>9.1f}{p99:>9.1f}{run['non2xx']:>9d}"
            f"{socket_errors:>9d}{ratio:>8.2f}{run.get('other_cpu_pct', 0):>9d}%   {verdict}")
    return text, [f"{label}: {text}" for ok, text in checks if not ok]


def _table(title, runs, prefix, floor, with_floor):
    header = (f"{'page':<21}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}"
              f"{'sock err':>9}{'÷hello':>8}{'other CPU':>10}   target: ÷hello as shown;"
              f" p99 < {P99_LIMIT_MS:g} ms; non-2xx = 0")
    print(title)
    print(header)
    print("-" * len(header))
    failures = []
    rows = ([("hello-world (floor)", runs.get("hello"), None)] if with_floor else []) + \
        [(label, runs.get(prefix + name), minimum) for name, (label, minimum) in PAGES.items()]
    for label, run, minimum in rows:
        text, failed = _row(label, run, floor, minimum)
        print(text)
        failures += failed
    print()
    return failures


def _rss_line(rows, title):
    if not rows:
        return f"{title}: not measured", False
    peak_kb = max(kb for _, kb in rows)
    ok = peak_kb / 1024 < RSS_LIMIT_MB
    listing = ", ".join(f"{kb / 1024:.1f}" for _, kb in rows)
    return (f"{title}: {peak_kb / 1024:.1f} MB max (workers: {listing})   "
            f"target < {RSS_LIMIT_MB:g} MB {_mark(ok)}"), ok


def main(argv):
    folder = Path(argv[1] if len(argv) > 1 else ".")
    meta, runs = _meta(folder), _runs(folder)
    floor = runs.get("hello", {}).get("rps")

    print()
    print(f"Storefront benchmark  {meta.get('date', '')}  commit {meta.get('commit', '?')}")
    print(f"  machine: {meta.get('cores', '?')} cores; gunicorn {meta.get('gunicorn', '?')}, "
          f"{meta.get('workers', '?')} sync workers (gunicorn.conf.py); "
          f"wrk {meta.get('wrk_args', '')}")
    print(f"  catalogue: {meta.get('products', '?')} products seeded in "
          f"{meta.get('seed_seconds', '?')} s; cookies sent: {meta.get('cookies', '?')}")
    print()

    failures = _table("The shop as `make run` serves it (targets):", runs, "", floor, True)
    rss_text, rss_ok = _rss_line(_rss(folder / "rss.txt"), "worker peak RSS (VmHWM) after the load")
    print(rss_text)
    if not rss_ok:
        failures.append("worker peak RSS")
    print()

    if any(name.startswith("nocache-") for name in runs):
        missed = _table("The same pages with the fragment cache off, CACHE_SECONDS=0 "
                        "(every request computes its page; for information):",
                        runs, "nocache-", floor, False)
        text, _ = _rss_line(_rss(folder / "rss-nocache.txt"), "worker peak RSS, cache off")
        print(text)
        print(f"cache off, would miss: {'; '.join(missed) if missed else 'nothing'}")
        print()

    other = max((run.get("other_cpu_pct", 0) for run in runs.values()), default=0)
    print("other CPU: the machine's CPU used by processes other than the server and wrk"
          " during each measured run.")
    if other > NOISY_OTHER_CPU:
        print(f"WARNING: other work took up to {other}% of the CPU while measuring; the figures"
              " are low and noisy. Run again on a quiet machine.")
    if failures:
        print(f"targets missed ({len(failures)}): " + "; ".join(failures))
    else:
        print("every target met")
    print(f"raw wrk output, pages and server logs: {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
