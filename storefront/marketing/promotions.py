"""Promotions (P6): the pages staff write, the ones live now, and the codes that take an amount
off the products at checkout (never off gift cards bought, never off shipping)."""
import re
from dataclasses import dataclass
from datetime import datetime

from peewee import IntegrityError

from storefront.catalogue.service import slugify
from storefront.db import database
from storefront.marketing.models import PromoCode, Promotion
from storefront.partners.models import Partner
from storefront.web.money import format_money

HOME_LIMIT = 6
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
CODE = re.compile(r"[A-Z0-9]{4,32}")
IMAGE = re.compile(r"/static/(?:[A-Za-z0-9_-][A-Za-z0-9._-]*/)*[A-Za-z0-9_-][A-Za-z0-9._-]*")
UNKNOWN = "There is no such promotion code. Check it, or leave the field empty."


class PromotionError(Exception):
    """A promotion or code rule was broken: errors maps form fields to messages."""

    def __init__(self, errors):
        super().__init__(next(iter(errors.values())))
        self.errors = errors


@dataclass
class PromotionData:
    title: str
    slug: str  # '' makes one from the title
    body: str
    image: str
    starts_at: datetime
    ends_at: datetime
    partner_id: int | None


@dataclass
class CodeData:
    code: str
    kind: str
    amount: int
    min_order_cents: int
    max_uses: int | None
    starts_at: datetime
    expires_at: datetime
    is_active: bool


@dataclass(frozen=True)
class Listed:
    """What the home page shows of a live promotion."""

    slug: str
    title: str
    image: str


def live(partner_id, now):
    """The promotions live at now for the home page, the newest first: the shop's own, and
    with partner_id that partner's too. One query on the indexed dates."""
    mine = Promotion.partner.is_null()
    if partner_id is not None:
        mine |= Promotion.partner == partner_id
    query = (Promotion.select(Promotion.slug, Promotion.title, Promotion.image)
             .where(Promotion.starts_at <= now, Promotion.ends_at > now, mine)
             .order_by(Promotion.starts_at.desc(), Promotion.id.desc()).limit(HOME_LIMIT))
    return [Listed(row.slug, row.title, row.image) for row in query]


def live_promotion(slug, partner_id, now):
    """The promotion with this slug when it is live and may be shown here (a partner's only
    inside its co-brand), or None."""
    if not SLUG.fullmatch(slug or "") or len(slug) > 80:
        return None
    promotion = Promotion.get_or_none(Promotion.slug == slug, Promotion.starts_at <= now,
                                      Promotion.ends_at > now)
    if promotion is None or promotion.partner_id not in (None, partner_id):
        return None
    return promotion


def all_promotions():
    """Every promotion for staff, the latest start first."""
    return list(Promotion.select().order_by(Promotion.starts_at.desc(), Promotion.id.desc()))


def _check_promotion(data, promotion_id):
    errors = {}
    data.slug = (data.slug or slugify(data.title)[:80].strip("-")).lower()
    if not SLUG.fullmatch(data.slug) or len(data.slug) > 80:
        errors["slug"] = "Use up to 80 lowercase letters, digits and single hyphens."
    elif Promotion.select().where(Promotion.slug == data.slug,
                                  Promotion.id != (promotion_id or 0)).exists():
        errors["slug"] = "Another promotion has this address. Choose another."
    if data.image and (not IMAGE.fullmatch(data.image) or len(data.image) > 200):
        errors["image"] = "Give a path on this site under /static/, like /static/spring.jpg, " \
            "or leave it empty."
    if data.ends_at <= data.starts_at:
        errors["ends_at"] = "The end must come after the start."
    if data.partner_id is not None and Partner.get_or_none(Partner.id == data.partner_id) \
            is None:
        errors["partner"] = "Choose a partner from the list."
    if errors:
        raise PromotionError(errors)


def save_promotion(promotion, data, staff):
    """Create a promotion (promotion None) or change it; PromotionError by field."""
    _check_promotion(data, promotion.id if promotion else None)
    fields = {"title": data.title, "slug": data.slug, "body": data.body, "image": data.image,
              "starts_at": data.starts_at, "ends_at": data.ends_at,
              "partner": data.partner_id}
    try:
        with database.atomic():
            if promotion is None:
                return Promotion.create(created_by_id=staff.id, **fields)
            Promotion.update(**fields).where(Promotion.id == promotion.id).execute()
            return Promotion.get_by_id(promotion.id)
    except IntegrityError:  # the same slug saved at the same moment by someone else
        raise PromotionError({"slug": "Another promotion has this address. "
                                      "Choose another."}) from None


def normalise_code(raw):
    """A code as typed, in its stored form (upper case, no spaces)."""
    return re.sub(r"\s+", "", raw or "").upper()


def _check_code(data, code_id):
    errors = {}
    data.code = normalise_code(data.code)
    if not CODE.fullmatch(data.code):
        errors["code"] = "Use 4 to 32 letters and digits."
    elif PromoCode.select().where(PromoCode.code == data.code,
                                  PromoCode.id != (code_id or 0)).exists():
        errors["code"] = "This code exists already. Choose another."
    if data.kind not in (PromoCode.PERCENT, PromoCode.FIXED):
        errors["kind"] = "Choose a percentage or a fixed amount."
    elif data.kind == PromoCode.PERCENT and not 1 <= data.amount <= 100:
        errors["amount"] = "A percentage is from 1 to 100."
    elif data.kind == PromoCode.FIXED and data.amount <= 0:
        errors["amount"] = "A fixed amount is more than $0.00."
    if data.min_order_cents < 0:
        errors["min_order_cents"] = "The minimum order cannot be negative."
    if data.max_uses is not None and data.max_uses < 1:
        errors["max_uses"] = "Give at least 1 use, or leave it empty for no limit."
    if data.expires_at <= data.starts_at:
        errors["expires_at"] = "The expiry must come after the start."
    if errors:
        raise PromotionError(errors)


def save_code(promotion, code, data):
    """Add a code to the promotion (code None) or change it; PromotionError by field. Its
    uses so far are kept."""
    _check_code(data, code.id if code else None)
    fields = {"code": data.code, "kind": data.kind, "amount": data.amount,
              "min_order_cents": data.min_order_cents, "max_uses": data.max_uses,
              "starts_at": data.starts_at, "expires_at": data.expires_at,
              "is_active": data.is_active}
    try:
        with database.atomic():
            if code is None:
                return PromoCode.create(promotion=promotion, **fields)
            PromoCode.update(**fields).where(PromoCode.id == code.id).execute()
            return PromoCode.get_by_id(code.id)
    except IntegrityError:
        raise PromotionError({"code": "This code exists already. Choose another."}) from None


def problem(code, products_cents, now):
    """Why the code cannot be used on products worth products_cents at now, or ''."""
    if code is None:
        return UNKNOWN
    if not code.is_active:
        return f"The code {code.code} is no longer valid."
    if now < code.starts_at:
        return f"The code {code.code} cannot be used yet: it starts on " \
            f"{code.starts_at:%B} {code.starts_at.day}, {code.starts_at:%Y}."
    if now >= code.expires_at:
        return f"The code {code.code} expired on " \
            f"{code.expires_at:%B} {code.expires_at.day}, {code.expires_at:%Y}."
    if products_cents <= 0:
        return f"The code {code.code} takes money off products, and there are none in your " \
            "cart (gift cards do not count)."
    if products_cents < code.min_order_cents:
        return f"The code {code.code} needs products worth at least " \
            f"{format_money(code.min_order_cents)} " \
            "(gift cards do not count)."
    if code.max_uses is not None and code.uses >= code.max_uses:
        return f"The code {code.code} has been used as often as it may be."
    return ""


def find_code(raw):
    """The PromoCode a shopper typed, or None."""
    code = normalise_code(raw)
    return PromoCode.get_or_none(PromoCode.code == code) if CODE.fullmatch(code) else None


def discount(code, products_cents):
    """The code's discount on products worth products_cents: a percentage rounded to the
    nearest cent (half up), or a fixed amount up to what the products cost."""
    if code.kind == PromoCode.PERCENT:
        return (products_cents * code.amount + 50) // 100
    return min(code.amount, products_cents)


def spread(total_cents, amounts):
    """total_cents shared over amounts in proportion (largest remainder): the parts sum to
    total_cents exactly and none is more than its amount."""
    whole = sum(amounts)
    if whole == 0:
        return [0] * len(amounts)
    parts = [total_cents * amount // whole for amount in amounts]
    left = total_cents - sum(parts)
    by_remainder = sorted(range(len(amounts)),
                          key=lambda i: (-(total_cents * amounts[i] % whole), i))
    for i in by_remainder[:left]:
        parts[i] += 1
    return parts


def use(code, products_cents, now):
    """Count one use of the code, inside the order's transaction: a conditional UPDATE, so
    two orders racing for the last use cannot both have it. The problem, or '' once used."""
    counted = (PromoCode.update(uses=PromoCode.uses + 1)
               .where(PromoCode.id == code.id, PromoCode.is_active == True,  # noqa: E712
                      PromoCode.starts_at <= now, PromoCode.expires_at > now,
                      PromoCode.max_uses.is_null() | (PromoCode.uses < PromoCode.max_uses))
               .execute())
    if counted:
        return ""
    return problem(PromoCode.get_or_none(PromoCode.id == code.id), products_cents, now) or \
        f"The code {code.code} has been used as often as it may be."
