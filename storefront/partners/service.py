"""Co-brand partners (P16): adding and changing them, and the staff accounts that see their
portal. The command line and the back office call the same functions.

The request pipeline keeps partners a few seconds per process (pipeline.active_partner): every
change here forgets the process's caches, so it shows at once in this process and within
CACHE_SECONDS in the others.
"""
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from peewee import JOIN, fn

from storefront.accounts import sessions
from storefront.accounts import staff as staff_accounts
from storefront.accounts.models import StaffUser
from storefront.accounts.service import AccountError
from storefront.db import database
from storefront.partners.models import Partner
from storefront.partners.themes import DEFAULT, SLUG, UPLOADED_LOGOS, theme_file
from storefront.privacy import audit
from storefront.privacy.models import AuditEvent
from storefront.web import images, memo

HOST = re.compile(r"(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
                  r"(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*")
LOGO = re.compile(r"[\w-]+\.(?:svg|png|jpe?g|webp)")
HOSTS_LENGTH = 500
LOGO_LIMITS = images.Limits(max_bytes=1024 * 1024, max_width=2000, max_height=2000,
                           max_pixels=4_000_000)


class PartnerError(Exception):
    """A partner or partner staff account that cannot be saved: errors maps form field names
    to messages; the message is the first of them."""

    def __init__(self, message, field=None, errors=None):
        super().__init__(message)
        self.errors = dict(errors or {field: message})


@dataclass
class PartnerData:
    """What staff set of a partner (everything `storefront partners add` takes)."""

    slug: str
    name: str
    privacy_url: str
    frame: str = Partner.TOP
    hosts: list = field(default_factory=list)
    logo: str = ""  # a file in themes/<slug>/static/, or the uploaded logo it has
    show_both_logos: bool = True
    is_active: bool = True


def is_uploaded(logo):
    """True when the logo is an uploaded file (under instance/media/partners/), not a file of
    the partner's theme."""
    return logo.startswith(UPLOADED_LOGOS)


def _problems(data, partner):
    """Every problem of data by field; data is normalised on the way."""
    errors = {}
    data.slug, data.name = data.slug.strip().lower(), data.name.strip()
    data.privacy_url = data.privacy_url.strip()
    data.hosts = [host.strip().lower() for host in data.hosts if host.strip()]
    data.logo = data.logo.strip()
    if not SLUG.fullmatch(data.slug) or data.slug == DEFAULT:
        errors["slug"] = ("The slug must be 1-40 lower-case letters, digits or dashes "
                          "(and not 'default').")
    if not data.name or len(data.name) > 120:
        errors["name"] = "The name must have 1-120 characters."
    url = urlsplit(data.privacy_url)
    if url.scheme not in ("https", "http") or not url.netloc or len(data.privacy_url) > 300 \
            or not data.privacy_url.isprintable() or " " in data.privacy_url:
        errors["privacy_url"] = "The privacy policy URL must be an http(s) address."
    if data.frame not in (Partner.TOP, Partner.BOTTOM):
        errors["frame"] = "The frame is drawn at the top or at the bottom."
    if any(not HOST.fullmatch(host) for host in data.hosts):
        errors["hosts"] = "Host names are names only (no scheme, port or path)."
    elif len(" ".join(data.hosts)) > HOSTS_LENGTH:
        errors["hosts"] = f"The host names take at most {HOSTS_LENGTH} characters together."
    own_upload = partner is not None and is_uploaded(partner.logo) and data.logo == partner.logo
    if data.logo and not own_upload and "slug" not in errors and not (
            LOGO.fullmatch(data.logo) and theme_file(data.slug, "static", data.logo)):
        errors["logo"] = f"The logo must be an image file in themes/{data.slug}/static/."
    return errors


def _taken(data, partner):
    """Conflicts with other partners by field (inside the saving transaction)."""
    errors = {}
    others = Partner.select().where(Partner.id != (partner.id if partner else 0))
    if others.where(Partner.slug == data.slug).exists():
        errors["slug"] = f"A partner '{data.slug}' exists already."
    taken = {name for other in others for name in other.host_names} & set(data.hosts)
    if taken:
        errors["hosts"] = f"Host names already used: {', '.join(sorted(taken))}."
    return errors


def save_partner(partner, data):
    """Add a partner (partner None) or change one; PartnerError names each field's problem.

    Its look is in themes/<slug>/ (optional: the default theme draws its frame when the folder
    is missing); its logo a file in that folder's static/, or one uploaded (set_logo).
    """
    errors = _problems(data, partner)
    if errors:
        raise PartnerError(next(iter(errors.values())), errors=errors)
    values = {"slug": data.slug, "name": data.name, "privacy_url": data.privacy_url,
              "frame": data.frame, "hosts": " ".join(dict.fromkeys(data.hosts)),
              "logo": data.logo, "show_both_logos": data.show_both_logos,
              "is_active": data.is_active}
    with database.atomic():
        errors = _taken(data, partner)
        if errors:
            raise PartnerError(next(iter(errors.values())), errors=errors)
        if partner is None:
            partner = Partner.create(**values)
        else:
            Partner.update(**values).where(Partner.id == partner.id).execute()
            partner = Partner.get_by_id(partner.id)
    memo.clear_all()
    return partner


def add_partner(slug, name, privacy_url, frame=Partner.TOP, hosts=(), logo="",
                show_both_logos=True):
    """Add an active partner (the command line's `partners add`)."""
    return save_partner(None, PartnerData(slug, name, privacy_url, frame, list(hosts), logo,
                                          show_both_logos))


def upload_logo(partner, data, media_root):
    """Check an uploaded picture (bytes) by its content, store it under
    media_root/partners/ and make it the partner's logo, removing the uploaded logo it
    replaces. A picture that is refused changes nothing (PartnerError on field "image")."""
    try:
        partner.logo = images.replace_upload(data, media_root, UPLOADED_LOGOS.rstrip("/"),
                                             LOGO_LIMITS, Partner.logo, partner.id)
    except images.ImageRejected as error:
        raise PartnerError(str(error), "image") from None
    memo.clear_all()
    return partner


def overview():
    """Every partner with the number of its staff accounts, by slug (one query)."""
    count = fn.COUNT(StaffUser.id)
    query = (Partner.select(Partner, count.alias("staff_count"))
             .join(StaffUser, JOIN.LEFT_OUTER, on=(StaffUser.partner == Partner.id))
             .group_by(Partner).order_by(Partner.slug))
    return list(query)


def staff_of(partner):
    """The partner's staff accounts, by email."""
    return list(StaffUser.select().where(StaffUser.partner == partner)
                .order_by(StaffUser.email_key))


def add_staff(email, name, roles, password, partner_slug=None, must_change_password=False):
    """Add a staff account; role "partner" needs a partner (and only it), which ties the
    account to that partner's portal. Other roles take no partner. must_change_password when
    the password is not the member's own choice."""
    roles = list(roles)
    if "partner" in roles and not partner_slug:
        raise PartnerError("A partner staff account needs --partner SLUG.", "roles")
    if partner_slug and roles != ["partner"]:
        raise PartnerError("--partner goes with the role partner alone.", "roles")
    with database.atomic():
        partner = None
        if partner_slug:
            partner = Partner.get_or_none(Partner.slug == partner_slug.strip().lower())
            if partner is None:
                raise PartnerError(f"No partner '{partner_slug}'.", "partner")
        try:
            member = staff_accounts.create_staff(email, name, roles, password,
                                                 must_change_password)
        except AccountError as error:
            raise PartnerError(str(error), errors=error.errors) from None
        if partner is not None:
            member.partner = partner
            member.save(only=[type(member).partner])
    return member


def add_partner_login(partner, email, name, password, *, by, ip):
    """Add a staff login to the partner's portal, recorded in the audit log as a change made
    by staff member id `by` (from ip): the login reads the partner's customers. The admin
    chose its password, so the person must choose their own at their first sign-in."""
    with database.atomic():
        member = add_staff(email, name, ["partner"], password, partner.slug,
                           must_change_password=True)
        _audit_login(partner, member, "added", by, ip)
    return member


def set_staff_active(partner, member, active, *, by, ip):
    """Let a partner's staff account sign in again, or stop it: a stopped account's sessions
    end at once, on every browser. A change is recorded in the audit log (see
    add_partner_login); asking for the state it is in already changes and records nothing."""
    if member.partner_id != partner.id:
        raise PartnerError("This account is not one of the partner's.")
    with database.atomic():
        changed = (StaffUser.update(is_active=active)
                   .where(StaffUser.id == member.id, StaffUser.is_active != active).execute())
        if changed:
            _audit_login(partner, member, "restarted" if active else "stopped", by, ip)
        if not active:
            sessions.end_all(staff=member)
    member.is_active = active
    return member


def _audit_login(partner, member, done, by, ip):
    audit.record(AuditEvent.CHANGED,
                 f"partner login {done} for partner {partner.slug} ({partner.name})",
                 staff_id=by, address=member.email, ip=ip)
