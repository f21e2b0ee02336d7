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
    """The folder the workers write their figures to. Unless the operator set
    PROMETHEUS_MULTIPROC_DIR, it is instance/metrics/<address>, set here and emptied of a
    previous run's files (their counters would be added to this run's). A folder the operator
    set is theirs: it may be shared with a server that is running, so nothing in it is
    deleted; emptying it between runs is theirs to do."""
    if environ.get(VARIABLE):
        folder = Path(environ[VARIABLE])
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    folder = folder_for(binds)
    environ[VARIABLE] = str(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    return folder


def worker_gone(pid):
    """Forget the live gauges of a worker that exited (its counters are kept: they only add)."""
    from prometheus_client import multiprocess
    multiprocess.mark_process_dead(pid)
