"""Catalogue requests (P1): a name and postal address to send the printed catalogue to, one
pending request per address, exported for the mail house with only what it needs."""
import csv
import io
import re

from storefront.accounts.contact import ContactError, normalise_email, normalise_postal_code
from storefront.db import database, utcnow
from storefront.marketing.models import CatalogueRequest
from storefront.portal.export import cell
from storefront.privacy import mailing

# The mail house's CSV: each column and the inventory names it carries (privacy/inventory.py).
# A test checks the inventory lets the mail house have every one.
MAIL_HOUSE_COLUMNS = {
    "name": ("CatalogueRequest.name",),
    "line1": ("CatalogueRequest.line1",),
    "line2": ("CatalogueRequest.line2",),
    "city": ("CatalogueRequest.city",),
    "region": ("CatalogueRequest.region",),
    "postal_code": ("CatalogueRequest.postal_code",),
    "country": ("CatalogueRequest.country",),
}


class CatalogueError(Exception):
    """The form's problems: errors maps field names ('address-city') to messages."""

    def __init__(self, errors):
        super().__init__(next(iter(errors.values())))
        self.errors = errors


def address_key(data):
    """The address as requests are matched by: street lines, postal code and country,
    upper-cased with runs of spaces made one."""
    parts = (data.line1, data.line2, data.postal_code, data.country)
    return "|".join(re.sub(r"\s+", " ", (part or "").strip()).upper() for part in parts)


def _checked(data, email):
    """(address with its postal code normalised, normalised email or ''); CatalogueError."""
    errors = {}
    if not data.name:
        errors["address-name"] = "Enter the name the catalogue goes to."
    try:
        data.postal_code = normalise_postal_code(data.postal_code, data.country)
    except ContactError as error:
        errors["address-postal_code"] = str(error)
    address = ""
    if (email or "").strip():
        try:
            address = normalise_email(email)[0]
        except ContactError as error:
            errors["email"] = str(error)
    if errors:
        raise CatalogueError(errors)
    return data, address


def request_catalogue(data, email="", consents=None, ip=""):
    """Store a request for the catalogue unless one for the same address is still pending.

    data is an accounts.service.AddressData. The consent boxes are recorded (channel
    catalogue_request) only with an email: without one there is nobody to mail. Returns
    (request, created): created is False when the address's pending request already covers
    it. Two requests racing for one address may both be stored (a sent request's address
    may ask again, so the key is not unique): the mail house sends two catalogues, no harm.
    """
    data, address = _checked(data, email)
    key = address_key(data)
    with database.atomic():
        if address:
            mailing.record_form_choices(consents or {}, "catalogue_request", address=address,
                                        ip=ip)
        pending = CatalogueRequest.get_or_none((CatalogueRequest.address_key == key)
                                               & CatalogueRequest.sent_at.is_null())
        if pending is not None:
            return pending, False
        created = CatalogueRequest.create(kind=CatalogueRequest.SHIPPING, email=address,
                                          address_key=key, ip=ip, **vars(data))
    return created, True


def _pending(upto):
    """Pending requests up to id `upto`, as a WHERE condition."""
    return CatalogueRequest.sent_at.is_null() & (CatalogueRequest.id <= upto)


def pending_summary():
    """(how many requests wait to be sent, the id of the newest): the newest id is the
    export's cut-off, so marking sent covers what was downloaded and nothing newer."""
    query = CatalogueRequest.select().where(CatalogueRequest.sent_at.is_null())
    newest = query.order_by(CatalogueRequest.id.desc()).first()
    return query.count(), newest.id if newest else 0


def pending_requests(upto):
    """The pending requests up to id `upto`, oldest first."""
    return list(CatalogueRequest.select().where(_pending(upto)).order_by(CatalogueRequest.id))


def mail_house_csv(requests):
    """Requests as CSV for the mail house: name and postal address only, safe to open in a
    spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(list(MAIL_HOUSE_COLUMNS))
    writer.writerows([cell(getattr(row, column)) for column in MAIL_HOUSE_COLUMNS]
                     for row in requests)
    return out.getvalue()


class ExportChanged(Exception):
    """The pending requests up to the cut-off are not the ones the page counted."""


def mark_sent(upto, expected, now=None):
    """Mark the pending requests up to id `upto` (the export's cut-off) as sent, provided
    there are exactly `expected` of them (the number the page showed, so the number the
    download held); returns how many. Ids are handed out at insert, not at commit: on
    PostgreSQL a request can commit with an id under the cut-off after the download was
    made; then the count differs and nothing is marked (download again). A request that
    arrived later has a higher id and stays pending."""
    with database.atomic():
        found = CatalogueRequest.select().where(_pending(upto)).count()
        if found != expected:
            raise ExportChanged(f"{found - expected} request(s) arrived while you downloaded: "
                                "nothing was marked. Download the requests again.")
        return CatalogueRequest.update(sent_at=now or utcnow()).where(
            _pending(upto)).execute()
