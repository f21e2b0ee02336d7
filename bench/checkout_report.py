"""The checkout benchmark's report (bench/checkout.py): the databases side by side, then each
checkout phase step by step, every latency also as a ratio of the floor (a hello-world) and
of a product page measured in the same run; then the checks."""
import os
from datetime import datetime

from shoppers import STEPS, percentile

ONE, TWO = "checkout, one instance", "checkout, two instances"


def _p50(latencies):
    return percentile(latencies, 0.5) * 1000 if latencies else None


def _cell(p50, hello_p50, rate=None):
    """p50 ms, ÷hello and a rate, 28 characters; blanks where nothing was measured."""
    if p50 is None:
        return f"{'-':>10}{'':>8}{'':>10}"
    by_hello = f"{p50 / hello_p50:.1f}×" if hello_p50 else "-"
    rate = f"{rate:.1f}" if rate is not None else ""
    return f"{p50:>10.1f}{by_hello:>8}{rate:>10}"


def _side_by_side(hello, databases):
    """One line per page or phase, one column group per database."""
    hello_p50 = _p50(hello.latencies.get("get"))
    head = "".join(f"{d.name:>28}" for d in databases)
    lines = [f"{'':<30}{head}",
             f"{'':<30}" + f"{'p50 ms':>10}{'÷hello':>8}{'per s':>10}" * len(databases)]
    lines.append("-" * len(lines[-1]))
    hello_rate = len(hello.latencies.get("get", [])) / hello.seconds
    lines.append(f"{'hello-world GET (floor)':<30}"
                 + _cell(hello_p50, hello_p50, hello_rate))
    for what in ("product page", "catalogue page"):
        cells = []
        for database in databases:
            phase = database.phases.get(what)
            latencies = phase.latencies.get("get", []) if phase else []
            cells.append(_cell(_p50(latencies), hello_p50,
                               len(latencies) / phase.seconds if phase else None))
        lines.append(f"{what + ' GET':<30}" + "".join(cells))
    for phase_name, label in ((ONE, "one instance"), (TWO, "two instances")):
        for step, what in (("whole order", "order"), ("place", "place")):
            cells = []
            for database in databases:
                phase = database.phases.get(phase_name)
                rate = phase.orders / phase.seconds if phase and step == "whole order" else None
                cells.append(_cell(_p50(phase.latencies.get(step)) if phase else None,
                                   hello_p50, rate))
            lines.append(f"{what + ', ' + label:<30}" + "".join(cells))
    return lines


def _row(label, latencies, failures, product_p50, hello_p50):
    if not latencies:
        return f"{label:<24}{0:>7}{failures:>7}{'':>9}{'':>9}{'':>9}"
    p50, p90, p99 = (percentile(latencies, f) * 1000 for f in (0.5, 0.9, 0.99))
    by_product = f"{p50 / product_p50:.1f}×" if product_p50 else "-"
    by_hello = f"{p50 / hello_p50:.1f}×" if hello_p50 else "-"
    return (f"{label:<24}{len(latencies):>7}{failures:>7}{p50:>9.1f}{p90:>9.1f}{p99:>9.1f}"
            f"{by_product:>11}{by_hello:>10}")


def _steps(database, phase_name, hello_p50):
    """A checkout phase step by step."""
    checkout = database.phases[phase_name]
    product_p50 = _p50(database.phases["product page"].latencies.get("get"))
    per_second = checkout.orders / checkout.seconds if checkout.seconds else 0
    lines = [f"{database.name}, {phase_name}: {checkout.orders} orders in "
             f"{checkout.seconds:.1f} s = {per_second:.1f} orders/s ({per_second * 60:.0f} a "
             f"minute); failed orders: {sum(checkout.failures.values())}",
             f"{'step':<24}{'ok':>7}{'failed':>7}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}"
             f"{'÷product':>11}{'÷hello':>10}"]
    lines.append("-" * len(lines[-1]))
    for step in STEPS:
        lines.append(_row(f"  {step}", checkout.latencies.get(step, []),
                          checkout.failures.get(step, 0), product_p50, hello_p50))
    for step, count in checkout.failures.items():
        if step not in STEPS:
            lines.append(_row(f"  {step}", [], count, product_p50, hello_p50))
    lines.append(_row("  whole order (10 req)", checkout.latencies.get("whole order", []),
                      sum(checkout.failures.values()), product_p50, hello_p50))
    return lines


def report(run, hello, databases, checks, workers):
    """The whole report as text."""
    hello_p50 = _p50(hello.latencies.get("get"))
    start, end = (", ".join(f"{x:.2f}" for x in load) for load in (run.load[0], run.load[-1]))
    lines = [
        f"Storefront checkout benchmark  {datetime.now():%Y-%m-%d %H:%M:%S}",
        f"  machine: {os.cpu_count()} cores, load average {start} at the start and {end} at "
        f"the end (1, 5, 15 min); gunicorn {workers} sync workers per instance "
        "(gunicorn.conf.py); processor: sandbox, own process",
        f"  {run.shoppers} concurrent clients in every phase (Python threads on the same "
        "machine); two instances share this machine's cores and one database",
        "  databases: " + ", ".join(f"{d.name} {d.version}" for d in databases),
        "",
    ]
    lines += _side_by_side(hello, databases)
    lines.append("per s: requests a second for the GETs, orders a second for the orders; an "
                 "order is ten requests, place one of them")
    if len(databases) == 1:
        lines.append("PostgreSQL not measured: BENCH_DATABASE_URL is empty (bench/checkout "
                     "starts a throw-away server when PostgreSQL is installed)")
    for database in databases:
        for phase_name in (ONE, TWO):
            if phase_name in database.phases:
                lines += [""] + _steps(database, phase_name, hello_p50)
    lines.append("")
    shares = [f"{database.name}: " + ", ".join(
        f"{name} {phase.client_cpu:.0%}" for name, phase in database.phases.items())
        for database in databases]
    lines.append(f"the clients themselves used this share of the machine's CPU: hello-world "
                 f"{hello.client_cpu:.0%}; " + "; ".join(shares))
    lines.append("")
    for what, ok, detail in checks:
        lines.append(f"{'ok  ' if ok else 'FAIL'} {what}: {detail}")
    for database in databases:
        for name, phase in database.phases.items():
            warm_up = getattr(phase, "warm_up", None)
            if warm_up and warm_up.failures:
                lines.append(f"FAIL {database.name}, {name}: {sum(warm_up.failures.values())} "
                             "warm-up orders (one per shopper) failed")
            for recorder, kind in ((phase, ""), (warm_up, "warm-up ")):
                for step, examples in (recorder.examples.items() if recorder else ()):
                    for example in examples:
                        lines.append(f"  failure, {database.name} {kind}{name} {step}: "
                                     f"{example}")
    for step, examples in hello.examples.items():
        lines += [f"  failure, hello-world {step}: {example}" for example in examples]
    lines.append(f"logs: {run.results}")
    return "\n".join(lines)
