"""The tags of a tracked link (P18): ?ref=<source>&banner=<id> and utm_source/medium/campaign.

Parsed strictly: a value that is too long, empty or holds anything but letters, digits and a
few separators makes the whole request untagged (no touch), never an error.
"""
import re
from dataclasses import dataclass

from storefront.web.params import whole_number

PARAMETERS = ("ref", "banner", "utm_source", "utm_medium", "utm_campaign")
_LABEL = re.compile(r"[\w .:+/@-]{1,80}")


@dataclass(frozen=True)
class Tags:
    """What a tracked link says about where the visitor came from."""

    source: str = ""
    banner_id: int | None = None
    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""


def is_tagged(args):
    """True when the query string carries any tracking parameter."""
    return any(name in args for name in PARAMETERS)


def parse_tags(args):
    """Tags from the query string (a MultiDict), or None when a value is malformed.

    A parameter given twice counts as malformed: a link from a banner says things once.
    """
    labels = {}
    for name in ("ref", "utm_source", "utm_medium", "utm_campaign"):
        values = args.getlist(name)
        if not values:
            continue
        if len(values) > 1 or not _LABEL.fullmatch(values[0]):
            return None
        labels[name] = values[0]
    banner_id = None
    if "banner" in args:
        values = args.getlist("banner")
        banner_id = whole_number(values[0]) if len(values) == 1 else None
        if banner_id is None:
            return None
    return Tags(source=labels.get("ref", ""), banner_id=banner_id,
                utm_source=labels.get("utm_source", ""),
                utm_medium=labels.get("utm_medium", ""),
                utm_campaign=labels.get("utm_campaign", ""))
