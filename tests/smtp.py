"""A pytest plugin: a real SMTP server (aiosmtpd) on loopback, the one `storefront mail sink`
runs, keeping each message it accepts as a file.

Use the `smtp_sink` fixture: it starts the server on a free port, points the app's SMTP_URL at
it and returns a handle with `.url`, `.port`, `.messages()` (parsed, in arrival order),
`.count()`, `.stop()`, `.start()` (the same port again) and `.delay`, seconds the server waits
after storing a message before it answers 250 (so a worker can be killed between the two);
`.mailbox.refused` is a set of addresses answered with 550.
"""
import asyncio
import email
import email.policy

import pytest

from storefront.mail import sink
from tests.sandbox import free_port


class SlowMailbox(sink.Mailbox):
    """The sink's mailbox, answering `delay` seconds after it stored each message."""

    delay = 0.0
    refused = frozenset()  # addresses answered with a permanent 550 at RCPT TO

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        """Accept every recipient but the refused ones."""
        if address in self.refused:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        """Store, wait, accept."""
        answer = await super().handle_DATA(server, session, envelope)
        if self.delay:
            await asyncio.sleep(self.delay)
        return answer


class SmtpSink:
    """An aiosmtpd server on 127.0.0.1:port storing into a directory; stoppable, restartable."""

    def __init__(self, directory, port):
        self.directory = directory
        self.port = port
        self.url = f"smtp://127.0.0.1:{port}"
        self.mailbox = SlowMailbox(directory)
        self._controller = None

    @property
    def delay(self):
        return self.mailbox.delay

    @delay.setter
    def delay(self, seconds):
        self.mailbox.delay = seconds

    def start(self):
        """Listen on the same port again."""
        assert self._controller is None, "the SMTP sink is already running"
        self._controller = sink.controller(self.mailbox, "127.0.0.1", self.port)
        self._controller.start()

    def stop(self):
        """Stop listening (a client now gets connection refused)."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def files(self):
        """The stored messages' files, in arrival order."""
        return sorted(self.directory.glob("*.eml"))

    def count(self):
        """How many messages arrived so far."""
        return len(self.files())

    def raw(self):
        """Each message's bytes as received, in arrival order."""
        return [path.read_bytes() for path in self.files()]

    def messages(self):
        """Each message parsed (email.message.EmailMessage), in arrival order."""
        return [email.message_from_bytes(content, policy=email.policy.default)
                for content in self.raw()]


@pytest.fixture
def smtp_sink(app, tmp_path):
    """A real SMTP server for one test; the app's SMTP_URL points at it."""
    handle = SmtpSink(tmp_path / "smtp-sink", free_port())
    handle.start()
    original = app.config["SMTP_URL"]
    app.config["SMTP_URL"] = handle.url
    try:
        yield handle
    finally:
        app.config["SMTP_URL"] = original
        handle.stop()
