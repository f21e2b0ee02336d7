"""Real processes for tests/ops/test_multi_server.py: shop instances (`storefront serve`, gunicorn)
and mail workers (`storefront worker`) against one database, and browsers speaking plain HTTP
to whichever instance a request names, as a load balancer without sticky routing would send
them. Every request is noted, so the test can check the request log and the page-view log hold
exactly what was served.
"""
import html
import http.client
import os
import re
import signal
import subprocess
import threading
import time
from collections import Counter, namedtuple
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

import pytest

from tests.sandbox import STOREFRONT, free_port

VISITOR_COOKIE = "sf_visitor"
# Staff work is no visit: storefront/tracking/pipeline.py keeps it out of the page-view log.
UNTRACKED_PREFIX = "/staff/"

Response = namedtuple("Response", "status location text")


class Shop:
    """One app instance: its name (for messages), port and gunicorn master."""

    def __init__(self, name, port, process):
        self.name, self.port, self.process = name, port, process

    def __repr__(self):
        return f"shop {self.name} on port {self.port}"


class Cluster:
    """The processes a test starts, each with its own log file and, for the shops, its own
    instance folder: the instances share nothing but the database and the settings."""

    def __init__(self, env, folder):
        self.env, self.folder = env, folder
        self.running = {}  # name -> Popen
        self.shops = []  # the instances a test started, for it to address
        self.traffic = Traffic()

    def _start(self, name, args, **env):
        log = open(self.folder / f"{name}.log", "wb")
        with log:
            process = subprocess.Popen(
                [STOREFRONT, *args], env={**self.env, **env}, stdout=log,
                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        self.running[name] = process
        return process

    def shop(self, name, workers=2):
        """`storefront serve` on a free port; returns once /healthz answers 200."""
        port = free_port()
        instance = self.folder / f"instance-{name}"
        instance.mkdir()
        process = self._start(name, ["serve", "--bind", f"127.0.0.1:{port}", "--workers",
                                     str(workers)], STOREFRONT_INSTANCE=str(instance))
        deadline = time.monotonic() + 90  # a loaded 2-core machine imports slowly
        while process.poll() is None and time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return Shop(name, port, process)
            except OSError:
                pass
            time.sleep(0.2)
        pytest.fail(f"shop {name} did not start:\n{self.output(name)[-3000:]}")

    def worker(self, name):
        """`storefront worker`, claiming two messages at a time so two workers interleave."""
        return self._start(name, ["worker", "--poll", "0.2", "--batch", "2"])

    def stop(self, name, timeout=30):
        """SIGTERM, as an operator or a process manager stops it, and wait; its output."""
        process = self.running.pop(name)
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            pytest.fail(f"{name} did not stop within {timeout} s:\n{self.output(name)[-3000:]}")
        return self.output(name)

    def stop_all(self):
        """Whatever still runs (a test that failed half way): killed, with its group."""
        for process in self.running.values():
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()
        self.running.clear()

    def output(self, name):
        """What a process printed so far."""
        return (self.folder / f"{name}.log").read_text(errors="replace")


class Traffic:
    """Every request the browsers made, shared by their threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self.requests = Counter()  # (method, path, status)
        self.page_views = Counter()  # path

    def note(self, method, path, status, page_view):
        """One request served; page_view when the page-view log must hold it."""
        with self._lock:
            self.requests[(method, path, status)] += 1
            if page_view:
                self.page_views[path] += 1


class Browser:
    """One visitor's cookies, sent to whichever shop a request names: cookies belong to the
    host, and every instance is 127.0.0.1, as behind one load balancer. A new connection per
    request (gunicorn's sync workers close each); redirects are returned, not followed."""

    def __init__(self, traffic):
        self.traffic = traffic
        self.cookies = {}

    def get(self, shop, path):
        """GET a page."""
        return self._request(shop, "GET", path)

    def post(self, shop, path, form):
        """POST a form (a dict; a list value repeats the field)."""
        return self._request(shop, "POST", path, urlencode(form, doseq=True))

    def _request(self, shop, method, path, body=None):
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        sent_visitor = VISITOR_COOKIE in self.cookies
        connection = http.client.HTTPConnection("127.0.0.1", shop.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            set_names = set()
            for header in response.headers.get_all("Set-Cookie") or ():
                set_names |= self._keep(header)
            location = urlsplit(response.headers.get("Location", "")).path
        finally:
            connection.close()
        # The rule of tracking/pipeline.py: an HTML page served to a visitor whose id the
        # browser keeps (it sent the cookie, or the response sets it).
        page_view = (method == "GET" and response.status == 200
                     and response.headers.get_content_type() == "text/html"
                     and not path.startswith(UNTRACKED_PREFIX)
                     and (sent_visitor or VISITOR_COOKIE in set_names))
        self.traffic.note(method, urlsplit(path).path, response.status, page_view)
        return Response(response.status, location, html.unescape(text))

    def _keep(self, header):
        names = set()
        for name, morsel in SimpleCookie(header).items():
            names.add(name)
            if morsel["max-age"] == "0" or (not morsel.value and morsel["expires"]):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value
        return names


class Shopper:
    """A browser whose every request goes to the next instance in turn."""

    def __init__(self, browser, shops, start=0):
        self.browser, self.shops, self.turn = browser, shops, start

    def next_shop(self):
        """The instance for this request; the following one goes to the next."""
        self.turn += 1
        return self.shops[(self.turn - 1) % len(self.shops)]

    def get(self, path, expect=200):
        """GET a page on the next instance; the response, its status checked."""
        shop = self.next_shop()
        response = self.browser.get(shop, path)
        assert response.status == expect, (shop, path, response.status, errors(response.text))
        return response

    def post(self, path, form, expect=302, to=None):
        """POST a form on the next instance; the response, its status and redirect checked."""
        shop = self.next_shop()
        response = self.browser.post(shop, path, form)
        assert response.status == expect, (shop, path, response.status, errors(response.text))
        assert to is None or re.fullmatch(to, response.location), (shop, response.location)
        return response


def sign_in(browser, shop, path, email, password):
    """Post a sign-in form (its token from the same instance); the response."""
    page = browser.get(shop, path).text
    return browser.post(shop, path, {"email": email, "password": password,
                                     "csrf_token": field(page, "csrf_token")})


def field(page, name):
    """The value of a named input on a page (attributes in either order)."""
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page) or \
        re.search(rf'value="([^"]*)"[^>]*name="{name}"', page)
    assert match, f"no {name} on the page:\n{page[:2000]}"
    return match.group(1)


def errors(page):
    """The error messages a page shows, for assertion messages."""
    found = re.findall(r'class="[^"]*error[^"]*"[^>]*>(?:<[^>]*>)*([^<]{1,300})', page)
    return found or page[:1500]


def fields(page, name):
    """Every value of a named input (checkboxes)."""
    return re.findall(rf'name="{name}" value="([^"]*)"', page)


def run_together(count, task, barrier):
    """task(0) ... task(count - 1) in threads at once. One that fails breaks the barrier the
    others may wait at, and its own error, not theirs, is raised."""
    def guarded(index):
        try:
            task(index)
        except BaseException:
            barrier.abort()
            raise

    with ThreadPoolExecutor(count) as pool:
        failures = [error for error in pool.map(_error_of, [guarded] * count, range(count))
                    if error is not None]
    failures.sort(key=lambda error: isinstance(error, threading.BrokenBarrierError))
    if failures:
        raise failures[0]


def _error_of(function, argument):
    try:
        function(argument)
    except BaseException as error:  # handed to run_together, which raises the first cause
        return error
    return None
