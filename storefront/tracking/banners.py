"""Banners (P18): where each is shown (a partner's site or a campaign of ours), the page of this
shop a click leads to, and when it is shown.

There is no click route: a banner links straight to its target page with ?banner=<id> added
(link()), and the request pipeline records that arrival as a Touch, which a registration or
an order placed afterwards carries as its first or last touch. Only an arrival while the
banner is LIVE (status()) is its click; before or after its dates the link still opens the
page, but names no banner (visits.record_touch). A partner's banner enters the
partner's co-brand on the way (/co/<slug>/<target>). The target is a path of this shop only,
never another site: a banner is no open redirect.
"""
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from peewee import JOIN

from storefront.db import database
from storefront.partners.models import Partner
from storefront.tracking.models import Banner
from storefront.web import images
from storefront.web.redirects import safe_next

IMAGE_FOLDER = "banners"  # Banner.image: a path under instance/media/banners/
ENTRY_PREFIX = "/co/"
IMAGE_LIMITS = images.Limits(max_pixels=8_000_000)  # under the request's cap (see images)
SCHEDULED, LIVE, ENDED = "scheduled", "live", "ended"


class BannerError(Exception):
    """A banner that cannot be saved: errors maps form field names to messages."""

    def __init__(self, errors):
        super().__init__(next(iter(errors.values())))
        self.errors = errors


@dataclass
class BannerData:
    """What staff set of a banner."""

    partner_id: int | None
    campaign: str
    placement: str
    target_url: str
    starts_at: datetime | None = None
    ends_at: datetime | None = None


def target_problem(target):
    """Why target cannot be a banner's target (a path of this shop), or None when it can."""
    if not target.startswith("/") or target.startswith("//") or len(target) > 300 \
            or not target.isascii() or not target.isprintable() or " " in target \
            or safe_next(target, None) != target:
        return ("Give a page of this shop: a path starting with a single /, like /search?q=lamp "
                "(no other site, no scheme).")
    parts = urlsplit(target)
    if parts.path.startswith(ENTRY_PREFIX):
        return "Give the shop's page itself: a partner's banner enters its co-brand by itself."
    if any(name == "banner" for name, _ in parse_qsl(parts.query, keep_blank_values=True)):
        return "Leave ?banner= out of the target: the banner's link adds it."
    return None


def _problems(data):
    errors = {}
    data.campaign, data.placement = data.campaign.strip(), data.placement.strip()
    data.target_url = data.target_url.strip()
    if data.partner_id is not None and \
            not Partner.select().where(Partner.id == data.partner_id).exists():
        errors["partner"] = "Choose a partner from the list."
    if data.partner_id is None and not data.campaign:
        errors["campaign"] = "Name the campaign, or choose the partner that shows the banner."
    if len(data.campaign) > 80 or not data.campaign.isprintable():
        errors["campaign"] = "The campaign's name takes at most 80 characters."
    if not data.placement or len(data.placement) > 80 or not data.placement.isprintable():
        errors["placement"] = "Say where the banner is shown, in at most 80 characters."
    problem = target_problem(data.target_url)
    if problem:
        errors["target_url"] = problem
    if data.starts_at and data.ends_at and data.ends_at <= data.starts_at:
        errors["ends_at"] = "The end must come after the start."
    return errors


def save_banner(banner, data):
    """Create a banner (banner None) or change one; BannerError names each field's problem."""
    errors = _problems(data)
    if errors:
        raise BannerError(errors)
    values = {"partner": data.partner_id, "campaign": data.campaign,
              "placement": data.placement, "target_url": data.target_url,
              "starts_at": data.starts_at, "ends_at": data.ends_at}
    with database.atomic():
        if banner is None:
            return Banner.create(**values)
        Banner.update(**values).where(Banner.id == banner.id).execute()
    return Banner.get_by_id(banner.id)


def upload_image(banner, data, media_root):
    """Check an uploaded picture (bytes) by its content, store it under media_root/banners/
    and make it the banner's image, removing the uploaded image it replaces. A picture that is
    refused changes nothing (BannerError on field "image")."""
    try:
        banner.image = images.replace_upload(data, media_root, IMAGE_FOLDER,
                                             IMAGE_LIMITS, Banner.image, banner.id)
    except images.ImageRejected as error:
        raise BannerError({"image": str(error)}) from None
    return banner


def all_banners():
    """Every banner with its partner, the newest first."""
    return list(Banner.select(Banner, Partner).join(Partner, JOIN.LEFT_OUTER)
                .order_by(Banner.id.desc()))


def link(banner):
    """The shop path a banner links to: its target with ?banner=<id>, through the partner's
    entry link for a partner's banner. Its arrivals are the banner's clicks."""
    target = banner.target_url or "/"
    parts = urlsplit(target)
    query = "&".join(filter(None, (parts.query, f"banner={banner.id}")))
    path = parts.path
    if banner.partner_id is not None:
        path = f"{ENTRY_PREFIX}{banner.partner.slug}{path}"
    return urlunsplit(("", "", path, query, parts.fragment))


def status(banner, now):
    """SCHEDULED, LIVE or ENDED at now (a banner without dates is always live)."""
    if banner.starts_at and now < banner.starts_at:
        return SCHEDULED
    if banner.ends_at and now >= banner.ends_at:
        return ENDED
    return LIVE

