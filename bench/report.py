"""Print bench/run's results as a table with the issue's targets next to the figures.

Usage: python bench/report.py RESULTS_DIR

RESULTS_DIR holds what bench/run wrote: meta.txt (key=value lines), one wrk-<name>.json
per measured page (the BENCH_JSON line of bench/wrk.lua plus name and path) and rss.txt
(pid and VmHWM in kB of each shop worker after the load). Exits 0; the verdict is printed.
"""
import json
import sys
from pathlib import Path

# name: (label, minimum fraction of hello-world's requests/s or None)
PAGES = {
    "hello": ("hello-world (floor)", None),
    "home": ("home", None),
    "category-1": ("category, page 1", 0.25),
    "category-400": ("category, page 400", 0.25),
    "product": ("product", 0.30),
    "search": ("search", None),
}
P99_LIMIT_MS = 50.0
RSS_LIMIT_MB = 100.0


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
        run["rps"] = run["requests"] / (run["duration_us"] / 1e6)
        runs[run["name"]] = run
    return runs


def _rss(folder):
    path = folder / "rss.txt"
    if not path.exists():
        return []
    rows = []
    for line in path.read_text().splitlines():
        pid, _, kb = line.partition(" ")
        if kb.strip().isdigit():
            rows.append((pid, int(kb)))
    return rows


def _mark(ok):
    return "ok" if ok else "MISS"


def main(argv):
    folder = Path(argv[1] if len(argv) > 1 else ".")
    meta, runs, rss = _meta(folder), _runs(folder), _rss(folder)
    failures = []

    print()
    print(f"Storefront benchmark  {meta.get('date', '')}  commit {meta.get('commit', '?')}")
    print(f"  machine: {meta.get('cores', '?')} cores; gunicorn {meta.get('gunicorn', '?')}, "
          f"{meta.get('workers', '?')} sync workers (gunicorn.conf.py); "
          f"wrk {meta.get('wrk_args', '')}")
    print(f"  catalogue: {meta.get('products', '?')} products seeded in "
          f"{meta.get('seed_seconds', '?')} s; cookies sent: {meta.get('cookies', '?')}")
    print()

    floor = runs.get("hello", {}).get("rps")
    header = (f"{'page':<21}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}"
              f"{'sock err':>9}{'÷hello':>8}   target (vs hello-world; p99 < {P99_LIMIT_MS:g} ms;"
              f" non-2xx = 0)")
    print(header)
    print("-" * len(header))
    for name, (label, minimum) in PAGES.items():
        run = runs.get(name)
        if run is None:
            print(f"{label:<21}{'(not measured)':>9}")
            failures.append(f"{label}: not measured")
            continue
        rps = run["rps"]
        p50 = run["latency_us"]["p50"] / 1000
        p99 = run["latency_us"]["p99"] / 1000
        errors = run["errors"]
        socket_errors = errors["connect"] + errors["read"] + errors["write"] + errors["timeout"]
        ratio = rps / floor if floor else float("nan")
        checks = []
        if minimum is not None:
            checks.append((ratio >= minimum, f"≥ {minimum:.2f}"))
        checks.append((p99 < P99_LIMIT_MS, "p99"))
        checks.append((run["non2xx"] == 0 and socket_errors == 0, "non-2xx"))
        verdict = "  ".join(f"{text} {_mark(ok)}" for ok, text in checks)
        failures += [f"{label}: {text}" for ok, text in checks if not ok]
        print(f"{label:<21}{rps:>9.0f}{p50:>9.1f}{p99:>9.1f}{run['non2xx']:>9d}"
              f"{socket_errors:>9d}{ratio:>8.2f}   {verdict}")
    print()

    if rss:
        peak_kb = max(kb for _, kb in rss)
        ok = peak_kb / 1024 < RSS_LIMIT_MB
        listing = ", ".join(f"{pid}: {kb / 1024:.1f}" for pid, kb in rss)
        print(f"worker peak RSS (VmHWM) after the load: {peak_kb / 1024:.1f} MB max "
              f"[{listing}]   target < {RSS_LIMIT_MB:g} MB {_mark(ok)}")
        if not ok:
            failures.append("worker peak RSS")
    else:
        print("worker peak RSS: not measured")
        failures.append("worker peak RSS: not measured")
    print()
    if failures:
        print(f"targets missed ({len(failures)}): " + "; ".join(failures))
    else:
        print("every target met")
    print(f"raw wrk output and server logs: {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
