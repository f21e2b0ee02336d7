"""The metrics folder gunicorn's workers share (prometheus-client's multiprocess mode).

prometheus-client chooses between in-memory and per-process file values when it is first
imported, from PROMETHEUS_MULTIPROC_DIR. So gunicorn's master sets that variable before any
worker exists (gunicorn.conf.py: on_starting), and this module must not import
prometheus_client at the top: the master imports it, and workers forked from a master that had
already imported it would keep in-memory values, each worker answering only for itself.
"""
import os
import re
from pathlib import Path

from storefront.config import instance_path

VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def folder_for(binds):
    """instance/metrics/<address>: one folder per server, so two servers started from the same
    instance folder (two ports) neither mix nor wipe each other's figures."""
    name = re.sub(r"[^A-Za-z0-9.]+", "_", "-".join(binds)) or "default"
    return instance_path() / "metrics" / name


def prepare(binds, environ=os.environ):
    """Set PROMETHEUS_MULTIPROC_DIR (unless the operator did) and empty it of a previous run's
    files, whose counters would otherwise be added to this run's. Returns the folder."""
    folder = Path(environ.setdefault(VARIABLE, str(folder_for(binds))))
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    return folder


def worker_gone(pid):
    """Forget the live gauges of a worker that exited (its counters are kept: they only add)."""
    from prometheus_client import multiprocess
    multiprocess.mark_process_dead(pid)
