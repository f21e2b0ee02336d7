"""Reading one message sent to the care address (RFC 5322) into plain, bounded text.

Nothing of the message is kept as HTML: an HTML-only message is reduced to its text, so the
inbox never renders what a stranger wrote. A message without a usable From is refused, since
care could neither answer it nor tell whose consent it speaks for.
"""
import email
import email.policy
import hashlib
import re
from dataclasses import dataclass
from email.errors import HeaderParseError, MessageError
from html.parser import HTMLParser

from storefront.accounts.contact import ContactError, normalise_email

MAX_NAME = 120
MAX_SUBJECT = 200
MAX_BODY = 50_000
MAX_MESSAGE_ID = 200

# The stdlib header parser meets hostile input with assorted exceptions, not only its own.
_HEADER_ERRORS = (HeaderParseError, MessageError, ValueError, IndexError, TypeError,
                  AttributeError, LookupError)


_SURROGATES = re.compile("[\ud800-\udfff]")


class UnusableMessage(ValueError):
    """The message cannot be stored (no usable sender); the text says why."""


@dataclass(frozen=True)
class Inbound:
    sender_name: str
    sender_email: str
    email_key: str  # the lower-cased address accounts are matched by
    subject: str
    body: str
    message_id: str


def parse(raw):
    """An Inbound from the message's bytes; UnusableMessage when it has no usable From."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    name, address, key = _sender(message)
    return Inbound(sender_name=_one_line(name)[:MAX_NAME], sender_email=address, email_key=key,
                   subject=_one_line(_header(message, "Subject"))[:MAX_SUBJECT],
                   body=_clean(_body(message)).strip()[:MAX_BODY],
                   message_id=_message_id(message, raw))


def _header(message, name):
    try:
        return str(message.get(name) or "")
    except _HEADER_ERRORS:
        return ""


def _sender(message):
    try:
        header = message.get("From")
        addresses = header.addresses if header is not None else ()
    except _HEADER_ERRORS:
        addresses = ()
    for mailbox in addresses:
        try:
            stored, key = normalise_email(mailbox.addr_spec)
        except ContactError:
            continue
        return mailbox.display_name or "", stored, key
    raise UnusableMessage("the message has no usable From address")


def _message_id(message, raw):
    """The Message-ID as sent; a digest of it (too long) or of the whole message (none), so a
    second delivery of the same message is recognised either way."""
    given = _one_line(_header(message, "Message-ID"))
    if given and len(given) <= MAX_MESSAGE_ID:
        return given
    return f"<sha256-{hashlib.sha256(given.encode() if given else raw).hexdigest()}>"


def _body(message):
    """The text/plain part, else the text of the text/html part, else ''."""
    for kind, convert in (("plain", str), ("html", html_to_text)):
        part = message.get_body(preferencelist=(kind,))
        if part is not None:
            return convert(_content(part))
    return ""


def _content(part):
    try:
        return part.get_content()
    except _HEADER_ERRORS:  # an unknown charset or a broken transfer encoding
        return (part.get_payload(decode=True) or b"").decode("utf-8", "replace")


class _TextOfHtml(HTMLParser):
    """Collects the text of an HTML document, leaving out scripts and styles; block
    elements end a line."""

    BLOCKS = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
              "pre", "table", "ul", "ol", "hr"}
    HIDDEN = {"script", "style", "head", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def html_to_text(html):
    """The readable text of an HTML body, as plain text (never markup to render)."""
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    lines = (re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in "".join(parser.parts)
             .split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _clean(text):
    """Line ends made \\n; NUL characters dropped and the surrogates that stand for undecodable
    bytes replaced (PostgreSQL text can hold neither)."""
    text = _SURROGATES.sub("\ufffd", text)
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


def _one_line(text):
    return " ".join(_clean(text).split())
