"""gunicorn settings shared by `make run`, `storefront serve` and the benchmark."""
import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = 30
graceful_timeout = 10
accesslog = None
errorlog = "-"
loglevel = "info"
control_socket_disable = True


def worker_exit(server, worker):
    """Write the worker's buffered page views and request log before it goes
    (storefront/tracking/clicklog.py)."""
    from storefront.tracking.clicklog import flush_all
    flush_all()


def on_starting(server):
    """Before any worker starts: the folder where the workers' metrics add up
    (storefront/ops/multiprocess.py), emptied of the last run's unless the operator chose it."""
    from storefront.ops.multiprocess import prepare
    prepare(server.cfg.bind)


def child_exit(server, worker):
    """In the master, once a worker is gone: forget its live metrics."""
    from storefront.ops.multiprocess import worker_gone
    worker_gone(worker.pid)
