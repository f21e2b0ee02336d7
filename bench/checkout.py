"""The checkout benchmark (`make bench-checkout`): shoppers placing orders end to end, on SQLite
and on PostgreSQL, with one and with two app instances, in one run.

Against real parts, all started here and stopped at the end (Ctrl-C included): a throw-away
instance directory under /tmp, the sandbox payment company as its own process (`storefront
processor serve`), and for each database `storefront migrate`, the demo shop from `storefront
seed` with the stock of every available product raised, and the shop served by `storefront
serve` (gunicorn, gunicorn.conf.py). PostgreSQL is BENCH_DATABASE_URL: bench/checkout starts a
throw-away server for it with scripts/with-postgres when it is not set; without it only SQLite
is measured.

The phases, each with the same number of concurrent clients:
  1. the floor: bench/hello.py under the same gunicorn settings, GET /;
  then on SQLite, and again on PostgreSQL:
  2. product pages alone: GET /p/<slug> with a browser's cookies;
  3. catalogue pages alone: GET /c/<slug> (every category with a product to buy, each sort);
  4. checkout: every shopper loops product page, add to cart, cart, details, payment, review,
     place (the card is authorized at the processor), confirmation; a new guest each order;
  and on PostgreSQL only:
  5. checkout again with a second instance started beside the first (same settings, same
     database): each shopper's requests go to the two in turn, as a load balancer without
     sticky routing sends them.
Latencies are p50/p90/p99 per step; the ratios divide by phase 1's and the product page's
p50, measured in the same run on the same machine. Then the checks, for each database: orders
in the database = places answered with the confirmation redirect, stock sold = stock taken
(none below zero); one standing authorization at the processor per order; and the card
number in no file of the instance directory (the SQLite database and its WAL included) nor
in the servers' logs.

Settings (environment): BENCH_SHOPPERS (8), BENCH_SECONDS (20, each checkout phase),
BENCH_BASELINE_SECONDS (5, each of the other phases), BENCH_DATABASE_URL (an empty PostgreSQL
database), WEB_CONCURRENCY (gunicorn workers per instance).
Results: bench/results/<stamp>/checkout.txt and the servers' logs (git-ignored).
"""
import http.client
import json
import os
import random
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
from pathlib import Path

from checkout_report import report
from shoppers import (CARD, Browser, Interrupted, Recorder, Shoppers, StepFailed,
                      one_order, timed)

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PYTHON = BIN / "python"
# As typed, as stored without spaces, and as a form body carries it (a logged request).
CARD_FORMS = tuple(CARD.replace(" ", sep).encode() for sep in ("", " ", "+", "%20"))
INITIAL_STOCK = 1_000_000

# Run inside the instance's environment: raise the stock of every available product; say
# which products shoppers may buy, the categories they are in, and the database's version.
RAISE_STOCK = f"""
import json
from storefront import create_app
from storefront.catalogue.models import Availability, Category, Product
from storefront.db import database, is_sqlite
create_app()
with database.connection_context(), database.atomic():
    chosen = Product.visible().where(Product.availability == Availability.AVAILABLE)
    ids = [p.id for p in chosen]
    Product.update(stock={INITIAL_STOCK}).where(Product.id.in_(ids)).execute()
    products = list(Product.select().where(Product.id.in_(ids)))
    if is_sqlite():
        version = database.execute_sql("SELECT sqlite_version()").fetchone()[0] + \
            " (WAL, synchronous normal)"
    else:
        version, fsync = (database.execute_sql(f"SHOW {{name}}").fetchone()[0]
                          for name in ("server_version", "fsync"))
        version = f"{{version.split()[0]}} (fsync {{fsync}})"
    print(json.dumps({{
        "products": [{{"id": p.id, "slug": p.slug}} for p in products],
        "categories": [c.slug for c in Category.select().where(
            Category.id.in_({{p.category_id for p in products}}))],
        "version": version}}))
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
SORTS = ("newest", "price", "price-desc", "name")  # catalogue/service.py


class Failed(Exception):
    """The benchmark cannot go on: the message says why."""


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


class Database:
    """One database under test: its settings, what it sells, and the orders placed in it."""

    def __init__(self, name, env):
        self.name, self.env = name, env
        self.products, self.categories, self.version = [], [], ""
        self.placed = []
        self.phases = {}  # phase name -> Recorder


class Run:
    """One benchmark run: its directories, settings, processes and findings."""

    def __init__(self):
        self.shoppers = int(os.environ.get("BENCH_SHOPPERS", "8"))
        self.seconds = float(os.environ.get("BENCH_SECONDS", "20"))
        self.baseline_seconds = float(os.environ.get("BENCH_BASELINE_SECONDS", "5"))
        self.postgres_url = os.environ.get("BENCH_DATABASE_URL", "")
        self.results = ROOT / "bench" / "results" / datetime.now().strftime("%Y%m%d-%H%M%S")
        self.results.mkdir(parents=True, exist_ok=True)
        self.scratch = Path(tempfile.mkdtemp(prefix="storefront-checkout."))
        self.instance = self.scratch / "instance"  # shared: the instances' SECRET_KEY too
        self.keys = self.scratch / "processor"  # the payment company's, outside the shop's
        self.processes = Processes()
        self.pool = Shoppers(self.shoppers)
        self.env = self._environment()
        self.lock = threading.Lock()
        self.load = [os.getloadavg()]

    def _environment(self):
        env = {k: v for k, v in os.environ.items()
               if k not in ("DATABASE_URL", "PROCESSOR_URL", "PROCESSOR_PUBLIC_KEY_FILE")}
        env["STOREFRONT_INSTANCE"] = str(self.instance)
        env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
        return env

    def log(self, name):
        """A log file of this run's results folder."""
        return self.results / name

    def start_processor(self):
        """The instance folder, and the sandbox payment company with its own keys."""
        self.instance.mkdir()
        _say(f"instance {self.instance}")
        run_tool([BIN / "storefront", "processor", "keygen", "--keys", self.keys], self.env,
                 self.log("setup.log"))
        port = free_port()
        log = self.log("server-processor.log")
        processor = self.processes.start("processor", [
            BIN / "storefront", "processor", "serve", "--port", str(port), "--keys",
            self.keys], self.env, log)
        wait_ready(port, processor, log)
        self.env["PROCESSOR_URL"] = f"http://127.0.0.1:{port}"
        self.env["PROCESSOR_PUBLIC_KEY_FILE"] = str(self.keys / "public.pem")

    def database(self, name, url=None):
        """Schema and demo shop with deep stock in SQLite (the instance's file) or at url."""
        env = dict(self.env)
        if url:
            env["DATABASE_URL"] = url
        found = Database(name, env)
        setup = self.log("setup.log")
        run_tool([BIN / "storefront", "migrate"], env, setup)
        run_tool([BIN / "storefront", "seed"], env, setup)
        shop = json.loads(run_tool([PYTHON, "-c", RAISE_STOCK], env, setup))
        found.products, found.categories = shop["products"], shop["categories"]
        found.version = shop["version"]
        if not found.products:
            raise Failed(f"the demo shop on {name} has no available product to buy")
        _say(f"{name} {found.version}: demo shop seeded; {len(found.products)} available "
             f"products, stock {INITIAL_STOCK:,} each")
        return found

    def start_shop(self, database, name):
        """`storefront serve` on the database; (its process, its port)."""
        port = free_port()
        log = self.log(f"server-{name}.log")
        shop = self.processes.start(name, [
            BIN / "storefront", "serve", "--bind", f"127.0.0.1:{port}"], database.env, log)
        wait_ready(port, shop, log)
        _say(f"shop on {database.name} at http://127.0.0.1:{port}/")
        return shop, port

    def gets(self, ports, paths, seconds, browsers=None):
        """N clients GET the paths (one each in turn) for that many seconds: a Recorder."""
        recorder = Recorder()
        browsers = browsers or [Browser(ports) for _ in range(self.shoppers)]

        def task(index):
            path = random.choice(paths)
            try:
                timed(recorder, "get", browsers[index], "GET", path)
            except StepFailed as error:
                recorder.failed("get", str(error))
        recorder.seconds = self.pool.run(seconds, task)
        recorder.client_cpu = self.pool.cpu
        return recorder

    def browse(self, database, ports):
        """Phases 2 and 3: product pages, then catalogue pages, from browsers that have a
        visitor cookie and a session."""
        pages = {
            "product page": [f"/p/{p['slug']}" for p in database.products],
            "catalogue page": [f"/c/{slug}?sort={sort}" for slug in database.categories
                               for sort in SORTS]}
        for what, paths in pages.items():
            browsers = [Browser(ports) for _ in range(self.shoppers)]
            for browser in browsers:
                for path in ["/"] + paths[:3]:
                    browser.request("GET", path)
            self.gets(ports, paths, 1, browsers)  # warm-up: every worker renders and caches
            _say(f"{database.name}: {self.shoppers} clients GET {what}s for "
                 f"{self.baseline_seconds:g} s")
            database.phases[what] = self.gets(ports, paths, self.baseline_seconds, browsers)

    def checkout(self, database, ports, phase):
        """Phases 4 and 5: shoppers placing orders; a warm-up order each first, not timed."""
        recorder, warm_up = Recorder(), Recorder()

        def order(record):
            product = random.choice(database.products)
            started = time.perf_counter()
            try:
                number = one_order(record, ports, product, random.randint(1, 3))
            except StepFailed as error:
                record.failed(error.step, str(error))
                return
            with self.lock:
                database.placed.append(number)
            record.ok("whole order", time.perf_counter() - started)

        self.pool.once(lambda index: order(warm_up))
        _say(f"{database.name}, {phase}: {self.shoppers} shoppers placing orders for "
             f"{self.seconds:g} s (after {len(warm_up.latencies.get('whole order', []))} "
             "warm-up orders)")
        before = len(database.placed)
        recorder.seconds = self.pool.run(self.seconds, lambda index: order(recorder))
        recorder.orders = len(database.placed) - before
        recorder.client_cpu = self.pool.cpu
        recorder.warm_up = warm_up
        database.phases[phase] = recorder

    def hello(self):
        """Phase 1: the floor, bench/hello.py under the shop's gunicorn settings."""
        port = free_port()
        log = self.log("server-hello.log")
        server = self.processes.start("hello", [
            PYTHON, "-m", "gunicorn", "--config", ROOT / "gunicorn.conf.py", "--chdir",
            ROOT / "bench", "--bind", f"127.0.0.1:{port}", "hello:app"], self.env, log)
        try:
            wait_ready(port, server, log)
            self.gets([port], ["/"], 1)
            _say(f"phase 1: {self.shoppers} clients GET a hello-world for "
                 f"{self.baseline_seconds:g} s")
            return self.gets([port], ["/"], self.baseline_seconds)
        finally:
            self.processes.stop(server)

    def checks(self, database):
        """The database's correctness checks, as [(what, ok, detail)]; its order count."""
        out = json.loads(run_tool([PYTHON, "-c", COUNT_ORDERS, json.dumps(
            [p["id"] for p in database.products])], database.env, self.log("setup.log")))
        checks = []
        placed = set(database.placed)
        checks.append((f"{database.name}: orders in the database = successful places",
                       out["orders"] == len(database.placed) and set(out["numbers"]) == placed,
                       f"{out['orders']} orders, {len(database.placed)} places answered "
                       f"/checkout/done/<number>"))
        wrong = {pid: (stock, sold) for pid, (stock, sold) in out["stock"].items()
                 if stock < 0 or stock + sold != INITIAL_STOCK}
        sold = sum(s for _, s in out["stock"].values())
        checks.append((f"{database.name}: no stock oversold or lost", not wrong,
                       f"{sold} items sold from {len(out['stock'])} products; "
                       + (f"wrong: {wrong}" if wrong else "stock + sold = initial stock for "
                          "each, none below zero")))
        return checks, out["orders"]

    def authorizations(self, orders):
        """The processor holds one standing authorization per order of every database."""
        with sqlite3.connect(f"file:{self.keys / 'processor.db'}?mode=ro", uri=True) as ledger:
            standing = dict(ledger.execute(
                "SELECT status, COUNT(*) FROM authorizations GROUP BY status").fetchall())
        return ("one standing authorization per order at the processor",
                standing.get("authorized", 0) == orders,
                f"{orders} orders in all; "
                + (", ".join(f"{n} {s}" for s, n in sorted(standing.items())) or "none"))

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
        detail = (f"{files} files of the instance and the logs searched (the SQLite database "
                  "and its WAL included; the PostgreSQL server's files are not searched)")
        return (f"card number in no file, {when}", not found,
                detail + (f"; FOUND in {found}" if found else ""))

    def clean_up(self):
        """Stop every process started here and remove the scratch directory."""
        self.processes.stop_all()
        shutil.rmtree(self.scratch, ignore_errors=True)


def measure(run, database, names):
    """Phases 2 to 5 on one database: one instance, then (on PostgreSQL) two."""
    shop, port = run.start_shop(database, names[0])
    run.browse(database, [port])
    run.checkout(database, [port], "checkout, one instance")
    if len(names) > 1:
        second, other = run.start_shop(database, names[1])
        run.checkout(database, [port, other], "checkout, two instances")
        run.processes.stop(second)
    return shop


def main():
    """Measure every phase, check, report; clean up whatever happens."""
    def interrupt(signum, frame):
        raise Interrupted()

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, interrupt)
    for tool in (PYTHON, BIN / "storefront"):
        if not tool.exists():
            print(f"bench-checkout: {tool} is missing; run `make bench-checkout`", file=sys.stderr)
            return 1
    run = Run()
    try:
        run.start_processor()
        hello = run.hello()
        databases = [run.database("SQLite")]
        shop = measure(run, databases[0], ["shop-sqlite"])
        checks = [run.card_search("shop running")]
        run.processes.stop(shop)
        if run.postgres_url:
            databases.append(run.database("PostgreSQL", run.postgres_url))
            run.processes.stop(measure(run, databases[1], ["shop-postgres-1",
                                                           "shop-postgres-2"]))
        _say("checking the databases, the processor and the files")
        found = [run.checks(database) for database in databases]
        checks = [check for each, _ in found for check in each] + checks + [
            run.authorizations(sum(count for _, count in found)),
            run.card_search("shops stopped")]
        run.load.append(os.getloadavg())
        text = report(run, hello, databases, checks,
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
