"""Support test helpers: mail to the care address, and the care-mail receiver on a free port
(the Controller `storefront care receive-mail` runs)."""
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from storefront.support import receiver
from tests.care.conftest import care  # noqa: F401 (the care associate's client, shared)
from tests.sandbox import free_port

CARE = "care@example.com"


def care_mail(sender="Ada Shopper <ada@example.com>", subject="Please stop the offers",
              text="Hello,\nplease send me no more offers.\nAda", html=None, message_id=None,
              to=CARE):
    """The bytes of a message to the care address (text, HTML, or both as alternatives)."""
    message = EmailMessage()
    if sender is not None:
        message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="example.com")
    if text is not None:
        message.set_content(text)
        if html is not None:
            message.add_alternative(html, subtype="html")
    else:
        message.set_content(html, subtype="html")
    return bytes(message)


class Receiver:
    """The care-mail receiver listening on 127.0.0.1:port."""

    def __init__(self, port):
        self.port = port
        self.controller = receiver.controller(CARE, "127.0.0.1", port)

    def send(self, raw, to=CARE, sender="ada@example.com"):
        """One SMTP conversation; smtplib raises when a recipient or the data is refused."""
        with smtplib.SMTP("127.0.0.1", self.port, timeout=10) as client:
            return client.sendmail(sender, [to], raw)


@pytest.fixture
def care_receiver(app):
    """The receiver for CARE (the app's default CARE_EMAIL) started for one test."""
    handle = Receiver(free_port())
    handle.controller.start()
    yield handle
    handle.controller.stop()
