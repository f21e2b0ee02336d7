"""Adding co-brand partners and the staff accounts that see their portal (P16)."""
import re
from urllib.parse import urlsplit

from storefront.accounts import service as accounts
from storefront.db import database
from storefront.partners.models import Partner
from storefront.partners.themes import DEFAULT, SLUG, theme_file

HOST = re.compile(r"(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
                  r"(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*")
LOGO = re.compile(r"[\w-]+\.(?:svg|png|jpe?g|webp)")


class PartnerError(Exception):
    """A partner or partner staff account that cannot be added; the message says why."""


def add_partner(slug, name, privacy_url, frame=Partner.TOP, hosts=(), logo="",
                show_both_logos=True):
    """Add an active partner. Its look is in themes/<slug>/ (optional: the default theme
    draws its frame when the folder is missing); the logo is a file in its static/ folder."""
    slug, name = slug.strip().lower(), name.strip()
    if not SLUG.fullmatch(slug) or slug == DEFAULT:
        raise PartnerError("The slug must be 1-40 lower-case letters, digits or dashes "
                           "(and not 'default').")
    if not name or len(name) > 120:
        raise PartnerError("The name must have 1-120 characters.")
    url = urlsplit(privacy_url.strip())
    if url.scheme not in ("https", "http") or not url.netloc or len(privacy_url) > 300:
        raise PartnerError("The privacy policy URL must be an http(s) address.")
    if frame not in (Partner.TOP, Partner.BOTTOM):
        raise PartnerError("The frame is drawn at the top or at the bottom.")
    hosts = [host.strip().lower() for host in hosts]
    if any(not HOST.fullmatch(host) for host in hosts):
        raise PartnerError("Host names are names only (no scheme, port or path).")
    if logo and not (LOGO.fullmatch(logo) and theme_file(slug, "static", logo)):
        raise PartnerError(f"The logo must be an image file in themes/{slug}/static/.")
    with database.atomic():
        if Partner.select().where(Partner.slug == slug).exists():
            raise PartnerError(f"A partner '{slug}' exists already.")
        taken = {name for partner in Partner.select() for name in partner.host_names}
        if taken & set(hosts):
            raise PartnerError(f"Host names already used: {', '.join(sorted(taken & set(hosts)))}.")
        return Partner.create(slug=slug, name=name, privacy_url=privacy_url.strip(), frame=frame,
                              hosts=" ".join(hosts), logo=logo,
                              show_both_logos=show_both_logos)


def add_staff(email, name, roles, password, partner_slug=None):
    """Add a staff account; role "partner" needs a partner (and only it), which ties the
    account to that partner's portal. Other roles take no partner."""
    roles = list(roles)
    if "partner" in roles and not partner_slug:
        raise PartnerError("A partner staff account needs --partner SLUG.")
    if partner_slug and roles != ["partner"]:
        raise PartnerError("--partner goes with the role partner alone.")
    with database.atomic():
        partner = None
        if partner_slug:
            partner = Partner.get_or_none(Partner.slug == partner_slug.strip().lower())
            if partner is None:
                raise PartnerError(f"No partner '{partner_slug}'.")
        try:
            member = accounts.create_staff(email, name, roles, password)
        except accounts.AccountError as error:
            raise PartnerError(str(error)) from None
        if partner is not None:
            member.partner = partner
            member.save(only=[type(member).partner])
    return member
