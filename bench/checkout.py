"""The checkout benchmark (`make bench-checkout`): shoppers placing orders end to end.

Against real parts, all started here and stopped at the end (Ctrl-C included): a throw-away
instance directory under /tmp (SQLite, or BENCH_DATABASE_URL), `storefront migrate`, the demo
shop from `storefront seed` with the stock of every available product raised, the sandbox
payment company as its own process (`storefront processor serve`), and the shop served by
`storefront serve` (gunicorn, gunicorn.conf.py).

Three timed phases, each with the same number of concurrent clients:
  1. the floor: bench/hello.py under the same gunicorn settings, GET /;
  2. product pages alone: GET /p/<slug> with a browser's cookies;
  3. checkout: every shopper loops product page, add to cart, cart, details, payment, review,
     place (the card is authorized at the processor), confirmation; a new guest each order.
Latencies are p50/p90/p99 per step; the ratios divide by phase 1 and 2's p50, measured in the
same run on the same machine. Then the checks: orders in the database = places answered
with the confirmation redirect, stock sold = stock taken (none below zero), one standing
authorization at the processor per order, and the card number in no file of the instance
directory (WAL included) nor in the servers' logs.

Settings (environment): BENCH_SHOPPERS (8), BENCH_SECONDS (20, the checkout phase),
BENCH_BASELINE_SECONDS (5, each of phases 1 and 2), BENCH_DATABASE_URL (an empty PostgreSQL
database; default: SQLite in the instance directory), WEB_CONCURRENCY (gunicorn workers).
Results: bench/results/<stamp>/checkout.txt and the servers' logs (git-ignored).
"""
import http.client
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PYTHON = BIN / "python"
CARD = "4111 1111 1111 1111"
# As typed, as stored without spaces, and as a form body carries it (a logged request).
CARD_FORMS = tuple(CARD.replace(" ", sep).encode() for sep in ("", " ", "+", "%20"))
INITIAL_STOCK = 1_000_000
STEPS = ("product", "add", "cart", "details-form", "details", "payment-form", "payment",
         "review", "place", "done")
DETAILS = {
    "email": "shopper@example.com", "phone": "(217) 555-0199", "shipping-name": "Bench Shopper",
    "shipping-line1": "2 Elm Street", "shipping-city": "Springfield", "shipping-region": "IL",
    "shipping-postal_code": "62702", "shipping-country": "US", "same_as_shipping": "y",
    "billing-country": "US", "method": "standard",
}
PAYMENT = {"pay_with": "new", "number": CARD, "expiry": "12/30", "holder_name": "Bench Shopper"}

# Run inside the instance's environment: raise the stock of every available product and say
# which ones shoppers may buy.
RAISE_STOCK = f"""
import json
from storefront import create_app
from storefront.catalogue.models import Availability, Product
from storefront.db import database
create_app()
with database.connection_context(), database.atomic():
    chosen = Product.visible().where(Product.availability == Availability.AVAILABLE)
    ids = [p.id for p in chosen]
    Product.update(stock={INITIAL_STOCK}).where(Product.id.in_(ids)).execute()
    print(json.dumps([{{"id": p.id, "slug": p.slug}}
                      for p in Product.select().where(Product.id.in_(ids))]))
"""

# The database's side of the checks: orders placed, and stock taken per product.
COUNT_ORDERS = """
import json, sys
from peewee import fn
from storefront import create_app
from storefront.catalogue.models import Product
from storefront.db import database
from storefront.orders.models import Order, OrderLine
create_app()
ids = json.loads(sys.argv[1])
with database.connection_context():
    sold = dict(OrderLine.select(OrderLine.product, fn.SUM(OrderLine.quantity))
                .where(OrderLine.product.in_(ids)).group_by(OrderLine.product).tuples())
    print(json.dumps({
        "orders": Order.select().count(),
        "numbers": [o.number for o in Order.select(Order.number)],
        "stock": {str(p.id): [p.stock, sold.get(p.id, 0)]
                  for p in Product.select().where(Product.id.in_(ids))},
    }))
"""


class Failed(Exception):
    """The benchmark cannot go on: the message says why."""


class Interrupted(Exception):
    """Ctrl-C or SIGTERM: clean up and stop."""


def _say(message):
    print(f"bench-checkout: {message}", flush=True)


def free_port():
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Processes:
    """Every process this run starts, each in its own session, stopped by its own id."""

    def __init__(self):
        self.running = []

    def start(self, name, args, env, log):
        """Start a process with its output in the log file; return the Popen."""
        with open(log, "ab") as out:
            process = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, cwd=ROOT,
                                       start_new_session=True)
        self.running.append((name, process))
        return process

    def stop(self, process):
        """TERM to the process (gunicorn's master stops its workers), then KILL its group."""
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(process.pid, signal.SIGKILL)  # its own session: leftovers of its group
        except (ProcessLookupError, PermissionError):
            pass
        process.wait()
        self.running = [(n, p) for n, p in self.running if p is not process]

    def stop_all(self):
        """Stop what is still running, the last started first."""
        for _, process in reversed(list(self.running)):
            self.stop(process)


def run_tool(args, env, log):
    """Run a `storefront` command (or a snippet) to the end; its output, or Failed."""
    result = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True,
                            stdin=subprocess.DEVNULL)
    with open(log, "a") as out:
        out.write(f"$ {' '.join(map(str, args))[:200]}\n{result.stdout}{result.stderr}\n")
    if result.returncode != 0:
        raise Failed(f"{args[0]} {args[1] if len(args) > 1 else ''} failed:\n"
                     f"{result.stderr[-2000:]}")
    return result.stdout


def wait_ready(port, process, log, path="/"):
    """Until the server answers on the port (30 s at most), or Failed with its log's end."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.1)
    tail = Path(log).read_text(errors="replace")[-3000:]
    raise Failed(f"the server on port {port} did not start; the end of {log}:\n{tail}")


# --- a browser, as little of one as checkout needs ---------------------------------------


class Browser:
    """One shopper's cookies and requests: a new connection per request (gunicorn's sync
    workers close each one), redirects reported, not followed."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def request(self, method, path, form=None):
        """(status, Location path or "", body text) of one request."""
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or ():
                self._keep(header)
            location = urlsplit(response.headers.get("Location", "")).path
            return response.status, location, text
        finally:
            connection.close()

    def _keep(self, header):
        for name, morsel in SimpleCookie(header).items():
            if morsel["max-age"] == "0" or (not morsel.value and morsel["expires"]):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value


class StepFailed(Exception):
    """A step answered something other than what a successful order gets."""

    def __init__(self, step, message):
        super().__init__(message)
        self.step = step


def hidden(html, name, step):
    """The value of the named input of the page a step got (attributes in either order)."""
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or \
        re.search(rf'value="([^"]*)"[^>]*name="{name}"', html)
    if not match:
        raise StepFailed(step, f"no {name} on the page of {step}")
    return match.group(1)


class Recorder:
    """Latencies (seconds) and failures per step, shared by the client threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = {}
        self.failures = {}
        self.examples = {}

    def ok(self, step, seconds):
        """A step done as expected in that many seconds."""
        with self.lock:
            self.latencies.setdefault(step, []).append(seconds)

    def failed(self, step, why):
        """A step gone wrong; the first few reasons are kept."""
        with self.lock:
            self.failures[step] = self.failures.get(step, 0) + 1
            kept = self.examples.setdefault(step, [])
            if len(kept) < 3:
                kept.append(why[:300])


def timed(recorder, step, browser, method, path, form=None, expect=200, to=None):
    """One request, timed and checked (status, and the redirect's target); its response."""
    started = time.perf_counter()
    try:
        status, location, text = browser.request(method, path, form)
    except OSError as error:
        raise StepFailed(step, f"{method} {path}: {error}") from None
    elapsed = time.perf_counter() - started
    if status != expect or (to is not None and not re.fullmatch(to, location)):
        found = re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]{1,200})', text)
        raise StepFailed(step, f"{method} {path} answered {status} {location} "
                         f"{'; '.join(found[:2])}".strip())
    if recorder is not None:
        recorder.ok(step, elapsed)
    return location, text


def one_order(recorder, port, product, quantity):
    """A new guest buys one product end to end; the order number, or StepFailed."""
    browser = Browser(port)
    _, page = timed(recorder, "product", browser, "GET", f"/p/{product['slug']}")
    timed(recorder, "add", browser, "POST", "/cart/add", {
        "product_id": product["id"], "quantity": quantity,
        "csrf_token": hidden(page, "csrf_token", "product")}, 302, "/cart/")
    timed(recorder, "cart", browser, "GET", "/cart/")
    _, page = timed(recorder, "details-form", browser, "GET", "/checkout/")
    timed(recorder, "details", browser, "POST", "/checkout/",
          {**DETAILS, "csrf_token": hidden(page, "csrf_token", "details-form")},
          302, "/checkout/payment")
    _, page = timed(recorder, "payment-form", browser, "GET", "/checkout/payment")
    timed(recorder, "payment", browser, "POST", "/checkout/payment",
          {**PAYMENT, "csrf_token": hidden(page, "csrf_token", "payment-form")},
          302, "/checkout/review")
    _, page = timed(recorder, "review", browser, "GET", "/checkout/review")
    done, _ = timed(recorder, "place", browser, "POST", "/checkout/place", {
        "csrf_token": hidden(page, "csrf_token", "review"),
        "reviewed": hidden(page, "reviewed", "review"),
        "number": hidden(page, "number", "review"), "cvv": "123"}, 302, r"/checkout/done/[^/]+")
    timed(recorder, "done", browser, "GET", done)
    return done.rsplit("/", 1)[1]


class Shoppers:
    """N client threads looping a task until a deadline; Ctrl-C ends them early."""

    def __init__(self, count):
        self.count = count
        self.stop = threading.Event()

    def run(self, seconds, task):
        """Run task(index) in every thread for that many seconds; the seconds it took.
        self.cpu is then the share of the machine's CPU the threads used meanwhile."""
        deadline = None if seconds is None else time.monotonic() + seconds

        def loop(index):
            if deadline is None:
                task(index)
            while deadline is not None and not self.stop.is_set() \
                    and time.monotonic() < deadline:
                task(index)

        threads = [threading.Thread(target=loop, args=(i,), daemon=True)
                   for i in range(self.count)]
        started, cpu_started = time.monotonic(), time.process_time()
        for thread in threads:
            thread.start()
        for thread in threads:
            while thread.is_alive():
                thread.join(0.2)
        if self.stop.is_set():
            raise Interrupted()
        elapsed = time.monotonic() - started
        self.cpu = (time.process_time() - cpu_started) / (elapsed * (os.cpu_count() or 1))
        return elapsed

    def once(self, task):
        """Run task(index) once in every thread, all at the same time."""
        self.run(None, task)


def percentile(values, fraction):
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


# --- the run -------------------------------------------------------------------------------


class Run:
    """One benchmark run: its directories, settings, processes and findings."""

    def __init__(self):
        self.shoppers = int(os.environ.get("BENCH_SHOPPERS", "8"))
        self.seconds = float(os.environ.get("BENCH_SECONDS", "20"))
        self.baseline_seconds = float(os.environ.get("BENCH_BASELINE_SECONDS", "5"))
        self.database_url = os.environ.get("BENCH_DATABASE_URL", "")
        self.results = ROOT / "bench" / "results" / datetime.now().strftime("%Y%m%d-%H%M%S")
        self.results.mkdir(parents=True, exist_ok=True)
        self.scratch = Path(tempfile.mkdtemp(prefix="storefront-checkout."))
        self.instance = self.scratch / "instance"
        self.keys = self.scratch / "processor"  # the payment company's, outside the shop's
        self.processes = Processes()
        self.pool = Shoppers(self.shoppers)
        self.env = self._environment()
        self.products = []
        self.placed = []
        self.lock = threading.Lock()

    def _environment(self):
        env = {k: v for k, v in os.environ.items()
               if k not in ("DATABASE_URL", "PROCESSOR_URL", "PROCESSOR_PUBLIC_KEY_FILE")}
        env["STOREFRONT_INSTANCE"] = str(self.instance)
        env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        return env

    def log(self, name):
        """A log file of this run's results folder."""
        return self.results / name

    def prepare(self):
        """Instance, schema, demo shop with deep stock, processor keys."""
        self.instance.mkdir()
        setup = self.log("setup.log")
        _say(f"instance {self.instance}, database "
             f"{'BENCH_DATABASE_URL' if self.database_url else 'SQLite in the instance'}")
        run_tool([BIN / "storefront", "migrate"], self.env, setup)
        run_tool([BIN / "storefront", "seed"], self.env, setup)
        self.products = json.loads(run_tool([PYTHON, "-c", RAISE_STOCK], self.env, setup))
        if not self.products:
            raise Failed("the demo shop has no available product to buy")
        run_tool([BIN / "storefront", "processor", "keygen", "--keys", self.keys], self.env,
                 setup)
        _say(f"demo shop seeded; {len(self.products)} available products, "
             f"stock {INITIAL_STOCK:,} each")

    def start_shop(self):
        """The processor, then the shop pointed at it; the shop's port."""
        processor_port = free_port()
        log = self.log("server-processor.log")
        processor = self.processes.start("processor", [
            BIN / "storefront", "processor", "serve", "--port", str(processor_port),
            "--keys", self.keys], self.env, log)
        wait_ready(processor_port, processor, log)
        self.env["PROCESSOR_URL"] = f"http://127.0.0.1:{processor_port}"
        self.env["PROCESSOR_PUBLIC_KEY_FILE"] = str(self.keys / "public.pem")
        port = free_port()
        log = self.log("server-shop.log")
        shop = self.processes.start("shop", [
            BIN / "storefront", "serve", "--bind", f"127.0.0.1:{port}"], self.env, log)
        wait_ready(port, shop, log)
        _say(f"shop on http://127.0.0.1:{port}/, processor on {self.env['PROCESSOR_URL']}")
        return shop, port

    def gets(self, port, paths, seconds, browsers=None):
        """N clients GET the paths (one each in turn) for that many seconds: a Recorder."""
        recorder = Recorder()
        browsers = browsers or [Browser(port) for _ in range(self.shoppers)]

        def task(index):
            path = random.choice(paths)
            try:
                timed(recorder, "get", browsers[index], "GET", path)
            except StepFailed as error:
                recorder.failed("get", str(error))
        recorder.seconds = self.pool.run(seconds, task)
        recorder.client_cpu = self.pool.cpu
        return recorder

    def browse(self, port):
        """Phase 2: product pages, from browsers that have a visitor cookie and a session."""
        paths = [f"/p/{p['slug']}" for p in self.products]
        browsers = [Browser(port) for _ in range(self.shoppers)]
        for browser in browsers:
            for path in ["/"] + paths[:3]:
                browser.request("GET", path)
        self.gets(port, paths, 1, browsers)  # warm-up: every worker renders and caches
        _say(f"phase 2: {self.shoppers} clients GET product pages for {self.baseline_seconds:g} s")
        return self.gets(port, paths, self.baseline_seconds, browsers)

    def checkout(self, port):
        """Phase 3: shoppers placing orders; a warm-up order each first, not timed."""
        recorder, warm_up = Recorder(), Recorder()

        def order(record):
            product = random.choice(self.products)
            started = time.perf_counter()
            try:
                number = one_order(record, port, product, random.randint(1, 3))
            except StepFailed as error:
                record.failed(error.step, str(error))
                return
            with self.lock:
                self.placed.append(number)
            record.ok("whole order", time.perf_counter() - started)

        self.pool.once(lambda index: order(warm_up))
        _say(f"phase 3: {self.shoppers} shoppers placing orders for {self.seconds:g} s "
             f"(after {len(self.placed)} warm-up orders)")
        warm_orders = len(self.placed)
        recorder.seconds = self.pool.run(self.seconds, lambda index: order(recorder))
        recorder.orders = len(self.placed) - warm_orders
        recorder.client_cpu = self.pool.cpu
        recorder.warm_up = warm_up
        return recorder

    def hello(self):
        """Phase 1: the floor, bench/hello.py under the shop's gunicorn settings."""
        port = free_port()
        log = self.log("server-hello.log")
        server = self.processes.start("hello", [
            PYTHON, "-m", "gunicorn", "--config", ROOT / "gunicorn.conf.py", "--chdir",
            ROOT / "bench", "--bind", f"127.0.0.1:{port}", "hello:app"], self.env, log)
        try:
            wait_ready(port, server, log)
            self.gets(port, ["/"], 1)
            _say(f"phase 1: {self.shoppers} clients GET a hello-world for "
                 f"{self.baseline_seconds:g} s")
            return self.gets(port, ["/"], self.baseline_seconds)
        finally:
            self.processes.stop(server)

    def checks(self):
        """The correctness checks, as [(what, ok, detail)]."""
        out = json.loads(run_tool([PYTHON, "-c", COUNT_ORDERS, json.dumps(
            [p["id"] for p in self.products])], self.env, self.log("setup.log")))
        checks = []
        placed = set(self.placed)
        checks.append(("orders in the database = successful places",
                       out["orders"] == len(self.placed) and set(out["numbers"]) == placed,
                       f"{out['orders']} orders, {len(self.placed)} places answered "
                       f"/checkout/done/<number>"))
        wrong = {pid: (stock, sold) for pid, (stock, sold) in out["stock"].items()
                 if stock < 0 or stock + sold != INITIAL_STOCK}
        sold = sum(s for _, s in out["stock"].values())
        checks.append(("no stock oversold or lost", not wrong,
                       f"{sold} items sold from {len(out['stock'])} products; "
                       + (f"wrong: {wrong}" if wrong else "stock + sold = initial stock for "
                          "each, none below zero")))
        with sqlite3.connect(f"file:{self.keys / 'processor.db'}?mode=ro", uri=True) as ledger:
            standing = dict(ledger.execute(
                "SELECT status, COUNT(*) FROM authorizations GROUP BY status").fetchall())
        checks.append(("one standing authorization per order at the processor",
                       standing.get("authorized", 0) == out["orders"],
                       ", ".join(f"{n} {s}" for s, n in sorted(standing.items())) or "none"))
        return checks

    def card_search(self, when):
        """Files of the instance directory and the logs that hold the card number."""
        found = []
        for folder in (self.instance, self.results):
            for path in folder.rglob("*"):
                if path.is_file():
                    data = path.read_bytes()
                    if any(form in data for form in CARD_FORMS):
                        found.append(str(path))
        files = sum(1 for p in self.instance.rglob("*") if p.is_file())
        database = ("the PostgreSQL server's files are not searched" if self.database_url
                    else "the SQLite database and its WAL included")
        detail = f"{files} files of the instance and the logs searched ({database})"
        return (f"card number in no file, {when}", not found,
                detail + (f"; FOUND in {found}" if found else ""))

    def clean_up(self):
        """Stop every process started here and remove the scratch directory."""
        self.processes.stop_all()
        shutil.rmtree(self.scratch, ignore_errors=True)


# --- the report ----------------------------------------------------------------------------


def _row(label, latencies, failures, product_p50, hello_p50):
    if not latencies:
        return f"{label:<22}{0:>7}{failures:>7}{'':>9}{'':>9}{'':>9}"
    p50, p90, p99 = (percentile(latencies, f) * 1000 for f in (0.5, 0.9, 0.99))
    by_product = f"{p50 / product_p50:.1f}×" if product_p50 else "-"
    by_hello = f"{p50 / hello_p50:.1f}×" if hello_p50 else "-"
    return (f"{label:<22}{len(latencies):>7}{failures:>7}{p50:>9.1f}{p90:>9.1f}{p99:>9.1f}"
            f"{by_product:>11}{by_hello:>10}")


def report(run, hello, browse, checkout, checks, workers):
    """The table as text."""
    hello_p50 = percentile(hello.latencies["get"], 0.5) * 1000 if hello.latencies else 0
    product_p50 = percentile(browse.latencies["get"], 0.5) * 1000 if browse.latencies else 0
    orders_per_second = checkout.orders / checkout.seconds if checkout.seconds else 0
    lines = [
        f"Storefront checkout benchmark  {datetime.now():%Y-%m-%d %H:%M:%S}",
        f"  machine: {os.cpu_count()} cores; gunicorn {workers} sync workers (gunicorn.conf.py);"
        f" database: {'PostgreSQL (BENCH_DATABASE_URL)' if run.database_url else 'SQLite (WAL)'};"
        f" processor: sandbox, own process",
        f"  {run.shoppers} concurrent clients in every phase (Python threads on the same "
        f"machine); {len(run.products)} products",
        "",
        f"checkout: {checkout.orders} orders in {checkout.seconds:.1f} s = "
        f"{orders_per_second:.1f} orders/s ({orders_per_second * 60:.0f} a minute); "
        f"failed orders: {sum(checkout.failures.values())}",
        "",
        f"{'step':<22}{'ok':>7}{'failed':>7}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}"
        f"{'÷product':>11}{'÷hello':>10}",
    ]
    lines.append("-" * len(lines[-1]))
    lines.append(_row("hello-world GET (floor)", hello.latencies.get("get", []),
                      sum(hello.failures.values()), product_p50, hello_p50))
    lines.append(_row("product page GET", browse.latencies.get("get", []),
                      sum(browse.failures.values()), product_p50, hello_p50))
    lines.append("  during checkout:")
    for step in STEPS:
        lines.append(_row(f"  {step}", checkout.latencies.get(step, []),
                          checkout.failures.get(step, 0), product_p50, hello_p50))
    other = {k: v for k, v in checkout.failures.items() if k not in STEPS}
    for step, count in other.items():
        lines.append(_row(f"  {step}", [], count, product_p50, hello_p50))
    lines.append(_row("  whole order (10 req)", checkout.latencies.get("whole order", []),
                      sum(checkout.failures.values()), product_p50, hello_p50))
    lines.append("")
    place = checkout.latencies.get("place")
    if place and product_p50 and hello_p50:
        p50 = percentile(place, 0.5) * 1000
        lines.append(f"place p50 = {p50:.1f} ms = {p50 / product_p50:.1f}× a product page "
                     f"({product_p50:.1f} ms) = {p50 / hello_p50:.1f}× hello-world "
                     f"({hello_p50:.1f} ms); place includes the authorization at the processor")
    lines.append(f"throughput of the baselines: hello-world "
                 f"{len(hello.latencies.get('get', [])) / hello.seconds:.0f} req/s, product "
                 f"page {len(browse.latencies.get('get', [])) / browse.seconds:.0f} req/s")
    lines.append(f"the clients themselves used {hello.client_cpu:.0%}, {browse.client_cpu:.0%} "
                 f"and {checkout.client_cpu:.0%} of the machine's CPU in the three phases")
    lines.append("")
    for what, ok, detail in checks:
        lines.append(f"{'ok  ' if ok else 'FAIL'} {what}: {detail}")
    warm_up_failures = sum(checkout.warm_up.failures.values())
    if warm_up_failures:
        lines.append(f"FAIL warm-up orders (one per shopper): {warm_up_failures} failed")
    for name, recorder in (("hello", hello), ("product page", browse),
                           ("warm-up", checkout.warm_up), ("checkout", checkout)):
        for step, examples in recorder.examples.items():
            for example in examples:
                lines.append(f"  failure, {name} {step}: {example}")
    lines.append(f"logs: {run.results}")
    return "\n".join(lines)


def _interrupt(signum, frame):
    raise Interrupted()


def main():
    """Prepare, measure the three phases, check, report; clean up whatever happens."""
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    for tool in (PYTHON, BIN / "storefront"):
        if not tool.exists():
            print(f"bench-checkout: {tool} is missing; run `make bench-checkout`", file=sys.stderr)
            return 1
    run = Run()
    try:
        run.prepare()
        hello = run.hello()
        shop, port = run.start_shop()
        browse = run.browse(port)
        checkout = run.checkout(port)
        _say("checking the database, the processor and the files")
        checks = run.checks() + [run.card_search("shop running")]
        run.processes.stop(shop)
        checks.append(run.card_search("shop stopped"))
        text = report(run, hello, browse, checkout, checks,
                      os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1))
        print()
        print(text)
        (run.results / "checkout.txt").write_text(text + "\n")
        return 0 if all(ok for _, ok, _ in checks) else 1
    except Interrupted:
        run.pool.stop.set()
        print("\nbench-checkout: interrupted; stopping what it started", file=sys.stderr)
        return 130
    except Failed as error:
        run.pool.stop.set()
        print(f"bench-checkout: {error}", file=sys.stderr)
        return 1
    finally:
        for name in (signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C must not skip cleaning
            signal.signal(name, signal.SIG_IGN)
        run.clean_up()


if __name__ == "__main__":
    sys.exit(main())
