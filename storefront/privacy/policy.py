"""Which version of the privacy policy is in force, the uses versions add, and the safe
rendering of the Markdown text staff write for a version."""
from dataclasses import dataclass
from datetime import datetime

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

from storefront.db import utcnow
from storefront.privacy.models import PolicyVersion


@dataclass(frozen=True)
class Version:
    """A version of the policy as the page and the ledger read it."""

    label: str
    summary: str
    body: str
    adds_uses: str
    effective_at: datetime

    @classmethod
    def of(cls, row):
        """The version a PolicyVersion row stands for."""
        return cls(row.label, row.summary, row.body, row.adds_uses, row.effective_at)

    @property
    def body_html(self):
        """The body as safe HTML."""
        return render_markdown(self.body)


# The policy the shop opened with, in force until staff publish another.
FIRST_VERSION = Version(label="1", summary="The shop's first privacy policy.", body="",
                        adds_uses="", effective_at=datetime(2026, 1, 1))


def current_version(now=None):
    """The latest version whose effective date has come (the first one when none has)."""
    now = now or utcnow()
    found = (PolicyVersion.select().where(PolicyVersion.effective_at <= now)
             .order_by(PolicyVersion.effective_at.desc(), PolicyVersion.id.desc()).first())
    return Version.of(found) if found else FIRST_VERSION


def added_uses():
    """{use: the date from which it applies} for every use a published version adds (a use is
    added once: publishing refuses to add it again)."""
    uses = {}
    for row in (PolicyVersion.select(PolicyVersion.adds_uses, PolicyVersion.effective_at)
                .where(PolicyVersion.adds_uses != "")):
        for use in filter(None, row.adds_uses.split(",")):
            uses[use] = min(uses.get(use, row.effective_at), row.effective_at)
    return uses


# Raw HTML in the Markdown is shown as text, and nh3 keeps only these tags and attributes
# whatever markdown-it makes: no images (a remote image is a tracker), no scripts or styles.
_MARKDOWN = MarkdownIt("commonmark", {"html": False})
_TAGS = {"p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em",
         "code", "pre", "blockquote", "a"}
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}


def render_markdown(text):
    """Markdown written by staff as safe HTML. Its headings start at h2: the page it sits in
    has its own h1."""
    tokens = _MARKDOWN.parse(text or "")
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"
    html = _MARKDOWN.renderer.render(tokens, _MARKDOWN.options, {})
    return Markup(nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES,
                            url_schemes={"http", "https", "mailto"}))
