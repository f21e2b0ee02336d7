"""The checkout benchmark's clients (bench/checkout.py): browsers as little as checkout needs,
a shopper placing one order end to end, threads looping a task, and what they measure.

A browser may be given several shop instances: its requests then go to each in turn, as a
load balancer without sticky routing would send them.
"""
import http.client
import math
import os
import re
import threading
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

CARD = "4111 1111 1111 1111"
STEPS = ("product", "add", "cart", "details-form", "details", "payment-form", "payment",
         "review", "place", "done")
DETAILS = {
    "email": "shopper@example.com", "phone": "(217) 555-0199", "shipping-name": "Bench Shopper",
    "shipping-line1": "2 Elm Street", "shipping-city": "Springfield", "shipping-region": "IL",
    "shipping-postal_code": "62702", "shipping-country": "US", "same_as_shipping": "y",
    "billing-country": "US", "method": "standard",
}
PAYMENT = {"pay_with": "new", "number": CARD, "expiry": "12/30", "holder_name": "Bench Shopper"}


class Browser:
    """One shopper's cookies and requests: a new connection per request (gunicorn's sync
    workers close each one), redirects reported, not followed; each request to the next of
    the ports in turn."""

    def __init__(self, ports):
        self.ports = list(ports)
        self.turn = 0
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
        port = self.ports[self.turn % len(self.ports)]
        self.turn += 1
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
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


def one_order(recorder, ports, product, quantity):
    """A new guest buys one product end to end; the order number, or StepFailed."""
    browser = Browser(ports)
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


class Interrupted(Exception):
    """Ctrl-C or SIGTERM: clean up and stop."""


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
