"""Which version of the privacy policy is in force."""
from dataclasses import dataclass
from datetime import datetime

from storefront.db import utcnow
from storefront.privacy.models import PolicyVersion


@dataclass(frozen=True)
class FirstVersion:
    """The policy the shop opened with, in force until staff publish another."""

    label: str = "1"
    summary: str = "The shop's first privacy policy."
    body: str = ""
    adds_uses: str = ""
    effective_at: datetime = datetime(2026, 1, 1)


FIRST_VERSION = FirstVersion()


def current_version(now=None):
    """The latest version whose effective date has come (the first one when none has)."""
    now = now or utcnow()
    found = (PolicyVersion.select().where(PolicyVersion.effective_at <= now)
             .order_by(PolicyVersion.effective_at.desc(), PolicyVersion.id.desc()).first())
    return found or FIRST_VERSION
