"""The orders overview (issue 11): every order, narrowed by its state or its lines' status, the
days it was placed, its channel, its partner and the link that brought it (P16, P18); newest
first, a page at a time, with how many match.

What "status" means here: staff ask two questions, so there are two filters.
- state: the order's own state. Settled means every line is final and the payment settled
  (Order.settled_at, set by fulfilment); open is everything else.
- line status: orders with at least one line in that status, so an order with a shipped line
  and a line on reserve is found under both.

The attribution filters look at the order's first touch, its last touch, or either.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_wtf import FlaskForm
from peewee import JOIN, fn
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import Length, Regexp, ValidationError

from storefront.accounts.models import Customer, StaffUser
from storefront.orders.models import Order, OrderLine
from storefront.partners.models import Partner
from storefront.tracking.models import Banner, Touch
from storefront.web.fields import Day, strip

PAGE_SIZE = 50
OPEN, SETTLED = "open", "settled"
NO_PARTNER = "none"
EITHER, FIRST, LAST = "either", "first", "last"
# The characters a tracked link's label may hold (tracking.tags): anything else matches nothing.
_LABEL = r"^[\w .:+/@-]*$"


class Choice(SelectField):
    """A menu whose value must be one of its choices, else the field's own message."""

    def __init__(self, label, message, **kwargs):
        super().__init__(label, **kwargs)
        self.message = message

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(self.message) from None


def _label_field(label):
    return StringField(label, filters=[strip], validators=[
        Length(max=80, message="Use at most 80 characters."),
        Regexp(_LABEL, message="A link's tag holds only letters, digits, spaces and . : + / @ -")])


@dataclass(frozen=True)
class Filters:
    """What to narrow the list by; empty values narrow nothing."""

    state: str = ""  # OPEN or SETTLED
    line_status: str = ""  # one of OrderLine's statuses
    placed_from: date | None = None
    placed_until: date | None = None  # that day included
    channel: str = ""  # Order.WEB or Order.PHONE
    partner: str = ""  # a partner's id, or NO_PARTNER for the shop's own orders
    touch: str = EITHER  # which touch the attribution filters look at
    source: str = ""  # ?ref=
    banner_id: int | None = None
    campaign: str = ""  # utm_campaign


class OrderFilterForm(FlaskForm):
    """The list's filters (a GET form: it changes nothing, so it carries no CSRF token)."""

    class Meta:
        csrf = False

    state = Choice("State", "Choose open or settled from the list.", default="", choices=[
        SelectChoice("", "Open and settled"),
        SelectChoice(OPEN, "Open: something still to ship or to settle"),
        SelectChoice(SETTLED, "Settled: every line final, the payment settled")])
    line_status = Choice("Has a line", "Choose a line status from the list.", default="",
                         choices=[SelectChoice("", "In any status")] + [
                             SelectChoice(status, label)
                             for status, label in OrderLine.STATUS_LABELS.items()])
    placed_from = Day("Placed from (UTC)")
    placed_until = Day("Placed until (UTC), that day included", not_before="placed_from")
    channel = Choice("Channel", "Choose web or phone from the list.", default="", choices=[
        SelectChoice("", "Web and phone"), SelectChoice(Order.WEB, "Web"),
        SelectChoice(Order.PHONE, "Phone")])
    partner = Choice("Partner", "Choose a partner from the list.", default="")
    touch = Choice("Attribution by", "Choose first, last or either touch from the list.",
                   default=EITHER, choices=[SelectChoice(EITHER, "First or last touch"),
                                            SelectChoice(FIRST, "First touch"),
                                            SelectChoice(LAST, "Last touch")])
    source = _label_field("Source (?ref=)")
    banner = Choice("Banner", "Choose a banner from the list.", default="")
    campaign = _label_field("UTM campaign")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.partner.choices = [SelectChoice("", "Any or none"),
                                SelectChoice(NO_PARTNER, "None: the shop's own")] + [
            SelectChoice(str(row.id), row.name)
            for row in Partner.select(Partner.id, Partner.name).order_by(Partner.name)]
        self.banner.choices = [SelectChoice("", "Any or none")] + [
            SelectChoice(str(row.id), f"{row.id}: {row.placement}"
                         + (f" · {row.campaign}" if row.campaign else ""))
            for row in Banner.select(Banner.id, Banner.placement, Banner.campaign)
            .order_by(Banner.id)]

    def filters(self):
        """The validated filters."""
        return Filters(self.state.data, self.line_status.data, self.placed_from.data,
                       self.placed_until.data, self.channel.data, self.partner.data,
                       self.touch.data, self.source.data or "",
                       int(self.banner.data) if self.banner.data else None,
                       self.campaign.data or "")

    def args(self):
        """The filters as a query string's arguments, for the pages' links (defaults left out)."""
        values = {name: self[name].data for name in self.data}
        values = {name: value.isoformat() if isinstance(value, date) else value
                  for name, value in values.items() if value}
        if values.get("touch") == EITHER:
            del values["touch"]
        return values


def _touches(filters):
    """The touches the attribution filters match (a subquery), or None when none is set."""
    conditions = []
    if filters.source:
        conditions.append(fn.LOWER(Touch.source) == filters.source.lower())
    if filters.banner_id is not None:
        conditions.append(Touch.banner == filters.banner_id)
    if filters.campaign:
        conditions.append(fn.LOWER(Touch.utm_campaign) == filters.campaign.lower())
    return Touch.select(Touch.id).where(*conditions) if conditions else None


def _start(day):
    return datetime.combine(day, time.min)


def conditions(filters):
    """The WHERE conditions of the filters, on Order."""
    where = []
    if filters.state:
        where.append(Order.settled_at.is_null(filters.state == OPEN))
    if filters.line_status:
        where.append(Order.id.in_(OrderLine.select(OrderLine.order)
                                  .where(OrderLine.status == filters.line_status)))
    if filters.placed_from:
        where.append(Order.placed_at >= _start(filters.placed_from))
    if filters.placed_until:
        where.append(Order.placed_at < _start(filters.placed_until + timedelta(days=1)))
    if filters.channel:
        where.append(Order.channel == filters.channel)
    if filters.partner == NO_PARTNER:
        where.append(Order.partner.is_null())
    elif filters.partner:
        where.append(Order.partner == int(filters.partner))
    touches = _touches(filters)
    if touches is not None:
        first, last = Order.first_touch.in_(touches), Order.last_touch.in_(touches)
        where.append({FIRST: first, LAST: last}.get(filters.touch, first | last))
    return where


@dataclass
class Listing:
    """One page of the list."""

    rows: list  # Order rows with customer, taken_by, partner and both touches joined
    total: int  # orders matching the filters, on every page
    number: int  # this page's number, from 1
    size: int

    @property
    def first(self):
        """The position of the page's first row among all that match."""
        return (self.number - 1) * self.size + 1

    @property
    def has_next(self):
        """Whether more orders match after this page."""
        return self.number * self.size < self.total

    def people(self):
        """(customer id, address) of each order on the page, for the audit log."""
        return [(row.customer_id, row.email) for row in self.rows]


def listing(filters, number, size):
    """The page of orders matching the filters, newest first, and how many match: two
    queries whatever the number of rows (everything a row shows is joined in)."""
    where = conditions(filters)
    matching = Order.select()
    if where:
        matching = matching.where(*where)
    total = matching.count()
    first, last = Touch.alias(), Touch.alias()
    first_banner, last_banner = Banner.alias(), Banner.alias()
    rows = (Order.select(Order, Customer.id, Customer.name, Customer.erased_at,
                         StaffUser.id, StaffUser.name, Partner.id, Partner.name,
                         first, last, first_banner.id, first_banner.placement,
                         last_banner.id, last_banner.placement)
            .join_from(Order, Customer, JOIN.LEFT_OUTER)
            .join_from(Order, StaffUser, JOIN.LEFT_OUTER, on=Order.taken_by)
            .join_from(Order, Partner, JOIN.LEFT_OUTER)
            .join_from(Order, first, JOIN.LEFT_OUTER, on=Order.first_touch)
            .join_from(first, first_banner, JOIN.LEFT_OUTER, on=first.banner)
            .join_from(Order, last, JOIN.LEFT_OUTER, on=Order.last_touch)
            .join_from(last, last_banner, JOIN.LEFT_OUTER, on=last.banner))
    if where:
        rows = rows.where(*where)
    rows = rows.order_by(Order.placed_at.desc(), Order.id.desc()) \
        .offset((number - 1) * size).limit(size)
    return Listing(list(rows), total, number, size)

