"""Serving the sandbox processor: werkzeug's threaded server, stopped cleanly by SIGTERM."""
import signal
import sys

from werkzeug.serving import make_server

from storefront.processor import keys
from storefront.processor.app import create_app


def serve(host, port, keys_dir, announce=print):
    """Generate the keys when missing, then serve until SIGINT or SIGTERM."""
    keys.generate(keys_dir)
    server = make_server(host, port, create_app(keys_dir), threaded=True)
    # SIGTERM (honcho, the test fixture, systemd) and SIGINT (Ctrl-C) end the process
    # cleanly. SIGINT is set explicitly: a process started in the background by a
    # non-interactive shell inherits SIGINT ignored, and Python then never raises
    # KeyboardInterrupt.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: sys.exit(0))
    announce(f"Sandbox processor is at http://{host}:{server.port}/  (keys in {keys_dir})")
    try:
        server.serve_forever()
    finally:
        server.server_close()
