"""A confirmed catalogue import runs in a thread of the web process, not in the request that
confirmed it: gunicorn stops a sync worker's request after 30 seconds, and 100,000 new
products take about that long on PostgreSQL (bench/import_catalogue.py).

The thread imports the kept file in one transaction (catalogue.csvio), then lets open orders
follow the products now out of stock or discontinued (backoffice.stock, P3). It writes how far
it is to a file beside the kept upload (instance/imports/<token>.json), which the pages read,
whichever web process serves them. A job whose file stops changing for STALE_SECONDS ended
with its process, and its transaction with it: nothing was written.
"""
import json
import os
import threading
import time

from flask import current_app

from storefront.backoffice import import_files, stock
from storefront.catalogue import csvio
from storefront.catalogue.models import Product
from storefront.db import database

STALE_SECONDS = 60
KEPT_PROBLEMS = 1000  # the first ones, for the page


def _path(folder, token):
    return folder / f"{token}.json"


def _write(folder, token, state):
    """Replace the progress file at once (a reader never sees half of it)."""
    partial = folder / f"{token}.json.part"
    partial.write_text(json.dumps({**state, "at": time.time()}))
    os.replace(partial, _path(folder, token))


def progress(folder, token):
    """How far the import is: {"state": running, done, refused, failed or stopped, "done",
    "total", "stage", "outcome", "told", "not_told", "follow_failed"}, or None."""
    if not import_files.TOKEN.fullmatch(token or ""):
        return None
    try:
        state = json.loads(_path(folder, token).read_text())
    except FileNotFoundError:
        return None
    if state["state"] == "running" and state["at"] < time.time() - STALE_SECONDS:
        # Its process ended: before the commit nothing was written; after it, open orders
        # were still being followed.
        state.update({"state": "done", "follow_failed": True, "told": [], "not_told": []}
                     if state["stage"] == "saved" else {"state": "stopped"})
    return state


def busy(folder):
    """True while an import is running (one at a time: they would wait on each other's
    rows)."""
    return folder.exists() and any(
        (progress(folder, path.name.removesuffix(".json")) or {}).get("state") == "running"
        for path in folder.glob("*.json"))


def start(app, folder, token, data, staff_id, processor):
    """Import the taken file (bytes) in a thread; its progress is progress(folder, token)."""
    _write(folder, token, {"state": "running", "done": 0, "total": 0, "stage": "checked"})
    thread = threading.Thread(target=_run, name=f"catalogue-import-{token}",
                              args=(app, folder, token, data, staff_id, processor))
    thread.start()
    return thread


def _run(app, folder, token, data, staff_id, processor):
    with app.app_context():
        try:
            _import(folder, token, data, staff_id, processor)
        except Exception:  # the transaction is rolled back: the catalogue is as it was
            app.logger.exception("catalogue import failed")
            _write(folder, token, {"state": "failed"})
        finally:
            import_files.finish(folder, token)
            if not database.is_closed():
                database.close()


def _import(folder, token, data, staff_id, processor):
    steps = csvio.apply_steps(data, staff_id)
    while True:
        try:
            step = next(steps)
        except StopIteration as finished:
            outcome = finished.value
            break
        _write(folder, token, {"state": "running", "done": step.done, "total": step.total,
                               "stage": step.stage})
    state = {"done": outcome.rows, "total": outcome.rows, "outcome": {
        "created": outcome.created, "updated": outcome.updated, "unchanged": outcome.unchanged,
        "problem_count": len(outcome.problems),
        "problems": [[p.line, p.reasons] for p in outcome.problems[:KEPT_PROBLEMS]]}}
    if outcome.problems:
        _write(folder, token, {**state, "state": "refused", "stage": "checked"})
        return
    _write(folder, token, {**state, "state": "running", "stage": "saved"})
    told, not_told, follow_failed = [], [], False
    try:
        for product_id, availability in outcome.availability_changed.items():
            product = Product.get_or_none(Product.id == product_id)
            if availability in stock.LINE_STATUS_FOR_AVAILABILITY and product is not None:
                update = stock.update_open_order_lines(product, processor)
                told.extend(update.changed)
                not_told.extend(update.failed)
                _write(folder, token, {**state, "state": "running", "stage": "saved"})
    except Exception:  # the import stands; saving each product's availability again retries
        current_app.logger.exception("open orders did not all follow a catalogue import")
        follow_failed = True
    _write(folder, token, {**state, "state": "done", "stage": "written",
                           "told": list(dict.fromkeys(told)),
                           "not_told": not_told, "follow_failed": follow_failed})
