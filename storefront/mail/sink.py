"""A local SMTP sink for development: every message it receives is kept as a file.

`storefront mail sink` runs it (`make run` starts it beside the shop), so a newcomer can open
every mail the shop sends as an .eml file under instance/mail/.
"""
import itertools
import os
import signal
import threading
from pathlib import Path

from aiosmtpd.controller import Controller

from storefront.db import utcnow


class Mailbox:
    """An aiosmtpd handler that writes each message to <directory>/<timestamp>-<n>.eml."""

    def __init__(self, directory):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._numbers = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        """Keep the message exactly as it arrived, then accept it."""
        self.store(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"

    def store(self, content):
        """Write one message atomically (a reader never sees half a file); return its path."""
        name = f"{utcnow():%Y%m%dT%H%M%S%f}-{next(self._numbers):05d}.eml"
        path = self.directory / name
        partial = path.with_suffix(".part")
        with open(partial, "wb") as fh:
            fh.write(content)
        os.replace(partial, path)
        return path


def controller(handler, host, port):
    """An aiosmtpd server for the handler on host:port (not started)."""
    return Controller(handler, hostname=host, port=port)


def serve(host, port, directory, announce=print):
    """Run the sink until SIGTERM or Ctrl-C."""
    run_until_stopped(controller(Mailbox(directory), host, port),
                      f"SMTP sink on {host}:{port}, keeping every message in "
                      f"{Path(directory).resolve()}", announce)


def run_until_stopped(server, started, announce=print):
    """Start an aiosmtpd controller, say `started`, and stop it on SIGTERM or Ctrl-C."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    server.start()
    announce(started)
    try:
        stop.wait()
    finally:
        server.stop()
