"""What /metrics tells operators, in Prometheus's text format (prometheus-client).

Requests are counted by endpoint (the route's name, never the path, which holds ids and
tokens), method and status, and timed per endpoint; the processor's failures are counted as
the payment gateway announces them (payments.signals.processor_failed). Under gunicorn each
worker writes its figures to files in PROMETHEUS_MULTIPROC_DIR (set by gunicorn.conf.py before
any worker starts, see ops/multiprocess.py) and a scrape adds up every worker's; without it
(tests, `flask run`) the figures are the process's own. The outbox's figures are read from the
database at each scrape, so they are the same whichever server answers.
"""
import os

from prometheus_client import (CollectorRegistry, Counter, Histogram, disable_created_metrics,
                               generate_latest)
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from storefront.payments.signals import processor_failed

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# The classic text format, which every Prometheus version reads.
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
UNMATCHED = "<unmatched>"  # a request no route answered (404, 405)

disable_created_metrics()  # no *_created series: the process start says as much
_registry = CollectorRegistry()
REQUESTS = Counter("storefront_http_requests", "Requests served, by endpoint, method and status.",
                   ["endpoint", "method", "status"], registry=_registry)
LATENCY = Histogram("storefront_http_request_duration_seconds",
                    "Time from the request's start to its end, by endpoint.", ["endpoint"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
                    registry=_registry)
PROCESSOR_ERRORS = Counter(
    "storefront_processor_errors",
    "Calls to the payment company that failed: 'unavailable' (no usable answer: refused, "
    "timed out, 5xx, malformed) or 'refused' (an error answer that is not a decline).",
    ["kind"], registry=_registry)
for _kind in ("unavailable", "refused"):
    PROCESSOR_ERRORS.labels(_kind)  # shown as 0 before the first error, so rates work


def method_label(method):
    """The method as a label: one of the usual ones, else 'other' (labels must stay few)."""
    return method if method in METHODS else "other"


def observe_request(endpoint, method, status, seconds):
    """Count one request served and its duration."""
    endpoint = endpoint or UNMATCHED
    REQUESTS.labels(endpoint, method_label(method), str(status)).inc()
    LATENCY.labels(endpoint).observe(seconds)


def count_processor_error(sender, kind):
    """Count one failed call to the payment company ('unavailable' or 'refused'): a receiver
    of payments.signals.processor_failed."""
    PROCESSOR_ERRORS.labels(kind).inc()


def init_app(app):
    """Count what the domains announce (payments sits below ops and never imports it)."""
    processor_failed.connect(count_processor_error)


class OutboxCollector:
    """The outbox's depth and failures: {"pending": n, "sending": n, "failed": n,
    "retrying": n}, or None when they could not be read (then none are shown)."""

    def __init__(self, figures):
        self.figures = figures

    def collect(self):
        """The figures as gauges."""
        figures = self.figures
        if figures is None:
            return
        messages = GaugeMetricFamily(
            "storefront_outbox_messages",
            "Mail waiting (pending), being sent (sending) or given up on (failed).",
            labels=["status"])
        for status in ("pending", "sending", "failed"):
            messages.add_metric([status], figures[status])
        yield messages
        yield GaugeMetricFamily(
            "storefront_outbox_retrying",
            "Pending mail that has failed at least once and waits for its next attempt.",
            value=figures["retrying"])


def exposition(outbox_figures):
    """The text a scrape receives: every worker's figures, then the outbox's."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        processes = CollectorRegistry()
        MultiProcessCollector(processes, folder)
    else:
        processes = _registry
    outbox = CollectorRegistry()
    outbox.register(OutboxCollector(outbox_figures))
    return generate_latest(processes) + generate_latest(outbox)
