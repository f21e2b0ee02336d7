"""The SMTP receiver for the care address (P20, opt-out by email): every message accepted for
CARE_EMAIL goes into the care inbox. `storefront care receive-mail` runs it; `make run` starts
it beside the shop. In production a mail server forwards the care address to it.
"""
import asyncio
import logging

from aiosmtpd.controller import Controller

from storefront.db import database
from storefront.mail.sink import run_until_stopped
from storefront.support import service
from storefront.support.inbound import UnusableMessage

MAX_MESSAGE_BYTES = 10 * 1024 * 1024
log = logging.getLogger(__name__)


class CareMailbox:
    """An aiosmtpd handler: accepts mail for the care address only and stores each message
    through support.service.receive_email."""

    def __init__(self, care_address):
        self.care_key = care_address.strip().lower()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        """The care address is the only mailbox here."""
        if address.strip().lower() != self.care_key:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        """Store the message (off the event loop: it waits on the database), then answer."""
        content = envelope.original_content or envelope.content
        try:
            await asyncio.to_thread(self.store, content)
        except UnusableMessage as error:
            return f"550 5.6.0 Not accepted: {error}"
        except Exception:
            log.exception("a message to the care address could not be stored")
            return "451 4.3.0 Could not store the message now; try again later"
        return "250 Message accepted for Customer Care"

    @staticmethod
    def store(content):
        """Store one message in its own database connection; (correspondence, created)."""
        with database.connection_context():
            return service.receive_email(content)


def controller(care_address, host, port):
    """An aiosmtpd server for the care address on host:port (not started)."""
    return Controller(CareMailbox(care_address), hostname=host, port=port,
                      data_size_limit=MAX_MESSAGE_BYTES)


def serve(care_address, host, port, announce=print):
    """Receive mail for the care address until SIGTERM or Ctrl-C."""
    run_until_stopped(controller(care_address, host, port),
                      f"Receiving mail for {care_address} on {host}:{port} into the care inbox",
                      announce)
