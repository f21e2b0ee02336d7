"""/metrics: requests by endpoint and status, latency, the outbox, processor errors; for
operators only; added up across gunicorn's workers."""
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from storefront import create_app
from storefront.mail.models import OutboxMessage
from storefront.ops import multiprocess
from storefront.payments.gateway import PaymentError, ProcessorClient

from tests.factories import add_to_cart, checkout, make_product
from tests.sandbox import free_port

STOREFRONT = str(Path(sys.executable).with_name("storefront"))


def scrape(client, **kwargs):
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.status_code
    assert response.content_type == "text/plain; version=0.0.4; charset=utf-8"
    return response.get_data(as_text=True)


def sample(text, name, **labels):
    """The value of one sample (0 when it is not there)."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()):
                return found.value
    return 0


def test_only_operators_may_read_the_metrics(app, client, monkeypatch):
    scrape(client)  # on the server itself (the test client comes from 127.0.0.1)
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.7"}) \
        .status_code == 403
    # Through a proxy on the same machine the connection is local, the client is not.
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 403
    assert client.get("/metrics", headers={"Forwarded": "for=203.0.113.7"}).status_code == 403
    remote = {"REMOTE_ADDR": "203.0.113.7"}
    # No token configured: no bearer token opens it.
    assert client.get("/metrics", environ_base=remote,
                      headers={"Authorization": "Bearer "}).status_code == 403
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "s3cret-token-for-prometheus")
    for wrong in ("Bearer s3cret-token", "Bearer s3cret-token-for-prometheus-x",
                  "Basic s3cret-token-for-prometheus", "s3cret-token-for-prometheus"):
        assert client.get("/metrics", environ_base=remote,
                          headers={"Authorization": wrong}).status_code == 403, wrong
    scrape(client, environ_base=remote,
           headers={"Authorization": "Bearer s3cret-token-for-prometheus"})


@pytest.mark.parametrize("headers", [
    {},  # a proxy that adds no forwarding header at all
    {"X-Real-IP": "203.0.113.9"},  # one that sends only X-Real-IP
    {"X-Forwarded-Proto": "https"},
])
def test_behind_a_proxy_only_the_token_opens_the_metrics(database_url, monkeypatch, headers):
    """Behind a proxy on the same machine every request comes from loopback: the address
    says nothing about the client, so the token is the only way in."""
    monkeypatch.setenv("PROXY_COUNT", "1")
    app = create_app({"DATABASE_URL": database_url, "TESTING": True})
    client = app.test_client()
    assert client.get("/metrics", headers=headers).status_code == 403
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "s3cret-token-for-prometheus")
    assert client.get("/metrics", headers=headers).status_code == 403
    scrape(client, headers={**headers, "Authorization": "Bearer s3cret-token-for-prometheus"})


def test_requests_are_counted_by_endpoint_and_status_never_by_path(client, db):
    lamp = make_product(name="Brass Lamp Fixture-7731")
    before = scrape(client)
    client.get(f"/p/{lamp.slug}")
    client.get(f"/p/{lamp.slug}")
    client.get("/p/no-such-lamp-4417")
    client.get("/no/route/here-5581")
    after = scrape(client)

    def grown(name, **labels):
        return sample(after, name, **labels) - sample(before, name, **labels)

    requests = "storefront_http_requests_total"
    assert grown(requests, endpoint="catalogue.product", method="GET", status="200") == 2
    assert grown(requests, endpoint="catalogue.product", method="GET", status="404") == 1
    assert grown(requests, endpoint="<unmatched>", method="GET", status="404") == 1
    latency = "storefront_http_request_duration_seconds"
    assert grown(f"{latency}_count", endpoint="catalogue.product") == 3
    assert grown(f"{latency}_bucket", endpoint="catalogue.product", le="+Inf") == 3
    assert grown(f"{latency}_sum", endpoint="catalogue.product") > 0
    # A path could leak only through a label; sample values are numbers that may hold
    # any digits (a sum like 0.92262490054417 once failed a plain substring check).
    label_values = {value for family in text_string_to_metric_families(after)
                    for found in family.samples for value in found.labels.values()}
    for part in (lamp.slug, "7731", "4417", "5581", "/p/"):
        assert not [value for value in label_values if part in value], part


def test_the_outbox_depth_and_failures(client, db):
    def message(status, attempts=0):
        return OutboxMessage.create(message_id=f"<{uuid.uuid4().hex}@example.com>",
                                    category="order_confirmation", recipient="a@example.com",
                                    subject="s", body_text="b", status=status,
                                    attempts=attempts)

    for status, attempts in (("pending", 0), ("pending", 0), ("pending", 2), ("sending", 1),
                             ("failed", 8), ("sent", 1), ("sent", 1), ("withheld", 0)):
        message(status, attempts)
    text = scrape(client)
    figures = {status: sample(text, "storefront_outbox_messages", status=status)
               for status in ("pending", "sending", "failed")}
    assert figures == {"pending": 3, "sending": 1, "failed": 1}
    assert sample(text, "storefront_outbox_retrying") == 1


def test_processor_errors_are_counted(app, client, db, processor):
    errors = "storefront_processor_errors_total"
    before = scrape(client)
    # The processor answers, but refuses: capturing an authorization it never gave.
    with pytest.raises(PaymentError):
        ProcessorClient(processor.url).capture("auth_that_never_was", 100)
    refused = scrape(client)
    assert sample(refused, errors, kind="refused") - sample(before, errors, kind="refused") == 1
    assert sample(refused, errors, kind="unavailable") == sample(before, errors,
                                                                 kind="unavailable")
    # The processor is down while a shopper pays: one authorization that got no answer.
    processor.stop()
    try:
        add_to_cart(client, make_product(name="Brass Lamp"))
        assert checkout(client).status_code == 503
    finally:
        processor.start()
    down = scrape(client)
    assert sample(down, errors, kind="unavailable") - sample(refused, errors,
                                                             kind="unavailable") == 1


@pytest.fixture
def served(tmp_path):
    """`storefront serve` with two gunicorn workers on a migrated SQLite shop."""
    env = {**os.environ, "STOREFRONT_INSTANCE": str(tmp_path), "WEB_CONCURRENCY": "2"}
    for name in ("DATABASE_URL", "SECRET_KEY", "PROMETHEUS_MULTIPROC_DIR"):
        env.pop(name, None)
    subprocess.run([STOREFRONT, "migrate"], env=env, check=True, capture_output=True)
    port = free_port()
    folder = tmp_path / "metrics" / f"127.0.0.1_{port}"
    folder.mkdir(parents=True)
    (folder / "counter_99999.db").write_bytes(b"left by the last run")
    log = open(tmp_path / "server.log", "w+")
    server = subprocess.Popen([STOREFRONT, "serve", "--bind", f"127.0.0.1:{port}"], env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/security", timeout=5).read()
            break
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("the server did not start:\n" + Path(log.name).read_text())
            time.sleep(0.2)
    yield base, folder, Path(log.name)
    server.terminate()
    server.wait(timeout=15)
    log.close()


def healthz_count(families):
    return sum(found.value for family in families for found in family.samples
               if found.name == "storefront_http_requests_total"
               and found.labels["endpoint"] == "ops.healthz")


def test_every_workers_requests_add_up_and_each_is_logged(served):
    base, folder, log = served
    assert not (folder / "counter_99999.db").exists()  # the last run's figures are gone

    def fetch(request_id):
        request = urllib.request.Request(base + "/healthz", headers={"X-Request-ID": request_id})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.headers["X-Request-ID"]

    # One worker takes a request whose headers have not all arrived and waits for them, so
    # the other worker serves the next ones.
    held = socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1])))
    with held:
        held.sendall(b"GET /healthz HTTP/1.1\r\nHost: shop\r\nX-Request-ID: held-0001\r\n")
        time.sleep(0.5)
        ids = [fetch(f"bench-{number:04d}") for number in range(30)]
        held.sendall(b"Connection: close\r\n\r\n")
        answer = held.makefile("rb").read().decode()
    assert ids == [f"bench-{number:04d}" for number in range(30)]
    assert answer.startswith("HTTP/1.1 200") and "X-Request-ID: held-0001" in answer
    # Each worker wrote its own figures, and a scrape adds them up whichever answers it.
    by_worker = sorted(healthz_count(MultiProcessCollector.merge([str(path)]))
                       for path in folder.glob("counter_*.db"))
    assert by_worker == [1, 30]
    for _ in range(4):
        text = urllib.request.urlopen(base + "/metrics", timeout=10).read().decode()
        assert sample(text, "storefront_http_requests_total", endpoint="ops.healthz",
                      method="GET", status="200") == 31
    lines = log.read_text()
    for request_id in ("held-0001", "bench-0000", "bench-0029"):
        assert f"request_id={request_id} method=GET route=/healthz status=200" in lines


def test_starting_empties_only_the_metrics_folder_it_chose(tmp_path, monkeypatch):
    monkeypatch.setenv("STOREFRONT_INSTANCE", str(tmp_path / "instance"))
    chosen = multiprocess.folder_for(["127.0.0.1:8000"])
    chosen.mkdir(parents=True)
    (chosen / "counter_99999.db").write_bytes(b"left by the last run")
    environ = {}
    assert multiprocess.prepare(["127.0.0.1:8000"], environ) == chosen
    assert environ == {"PROMETHEUS_MULTIPROC_DIR": str(chosen)}
    assert list(chosen.iterdir()) == []
    # A folder the operator set may be shared with a server that is running: left as it is.
    operators = tmp_path / "shared-metrics"
    operators.mkdir()
    (operators / "counter_4242.db").write_bytes(b"a live server's figures")
    environ = {"PROMETHEUS_MULTIPROC_DIR": str(operators)}
    assert multiprocess.prepare(["127.0.0.1:8001"], environ) == operators
    assert environ == {"PROMETHEUS_MULTIPROC_DIR": str(operators)}
    assert [path.name for path in operators.iterdir()] == ["counter_4242.db"]
