"""Contests (P6): staff set them up, people enter once per email between the start and the
end, staff draw the winners with `secrets` once it is over, and the draw is kept for good.
Entry demographics leave only as k-suppressed counts on the staff contest page."""
import json
import re
import secrets
from dataclasses import dataclass

from peewee import SQL, IntegrityError, fn

from storefront.accounts.contact import ContactError, normalise_email
from storefront.db import database, utcnow
from storefront.mail import outbox
from storefront.marketing.models import Contest, ContestDraw, ContestEntry
from storefront.privacy import mailing

SETTINGS = {Contest.OFF: "Not asked", Contest.OPTIONAL: "Optional",
            Contest.REQUIRED: "Required"}
AGE_BANDS = {"18-24": "18 to 24", "25-34": "25 to 34", "35-44": "35 to 44",
             "45-54": "45 to 54", "55-64": "55 to 64", "65+": "65 or over"}
INCOME_BANDS = {"under 25k": "Under $25,000", "25-50k": "$25,000 to $50,000",
                "50-75k": "$50,000 to $75,000", "75-100k": "$75,000 to $100,000",
                "100k+": "Over $100,000"}
DEMOGRAPHICS = ("zip_code", "age_band", "income_band")
ALREADY_ENTERED = "This email address has already entered this contest: one entry each."
NOT_GIVEN = "Not given"
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_WINNERS = 1000


class ContestError(Exception):
    """The form's problems: errors maps field names to messages (None: the whole form)."""

    def __init__(self, message, field=None, errors=None):
        super().__init__(message)
        self.errors = dict(errors or {field: message})


class ContestClosed(ContestError):
    """An entry outside the contest's dates."""


def live(now=None):
    """The contests open for entries now, ending soonest first."""
    now = now or utcnow()
    return (Contest.select().where((Contest.starts_at <= now) & (Contest.ends_at > now))
            .order_by(Contest.ends_at, Contest.id))


def public_contest(slug, now=None):
    """A contest the public may see (it has started), or None."""
    return Contest.get_or_none((Contest.slug == slug) & (Contest.starts_at <= (now or utcnow())))


def is_open(contest, now=None):
    """True between the start (included) and the end (excluded)."""
    return contest.starts_at <= (now or utcnow()) < contest.ends_at


# --- Staff: setting a contest up ---------------------------------------------------------

@dataclass
class ContestData:
    """What staff write about a contest."""

    title: str
    slug: str
    rules: str
    prizes: str
    starts_at: object
    ends_at: object
    winners: int
    zip_code: str = Contest.OPTIONAL
    age_band: str = Contest.OPTIONAL
    income_band: str = Contest.OPTIONAL


def _check(data, contest_id=None):
    errors = {}
    if not data.title:
        errors["title"] = "Give the contest a title."
    if not _SLUG.fullmatch(data.slug or ""):
        errors["slug"] = "Use lowercase letters, digits and single hyphens, like spring-draw."
    elif Contest.select().where((Contest.slug == data.slug)
                                & (Contest.id != (contest_id or 0))).exists():
        errors["slug"] = "Another contest has this address already."
    if not data.rules:
        errors["rules"] = "Write the rules: who may enter, until when, how winners are drawn."
    if not data.starts_at:
        errors["starts_at"] = "Enter when entries open."
    if not data.ends_at:
        errors["ends_at"] = "Enter when entries close."
    elif data.starts_at and data.ends_at <= data.starts_at:
        errors["ends_at"] = "The end must come after the start."
    if not (isinstance(data.winners, int) and 1 <= data.winners <= MAX_WINNERS):
        errors["winners"] = f"Draw between 1 and {MAX_WINNERS} winners."
    for name in DEMOGRAPHICS:
        if getattr(data, name) not in SETTINGS:
            errors[name] = "Choose whether the form asks for it."
    if errors:
        raise ContestError(next(iter(errors.values())), errors=errors)


def create_contest(data):
    """A new contest; ContestError with a message per field otherwise."""
    _check(data)
    try:
        with database.atomic():
            return Contest.create(**vars(data))
    except IntegrityError:
        raise ContestError("Another contest has this address already.", "slug") from None


def update_contest(contest, data):
    """Change a contest, until its winners are drawn."""
    if drawn(contest) is not None:
        raise ContestError("The winners are drawn: the contest can no longer change.")
    _check(data, contest.id)
    if contest.ends_at <= utcnow():
        # Once entries are closed, nobody may reopen them or change how many win after
        # seeing who entered: only the text can still be corrected.
        for name in ("starts_at", "ends_at", "winners", "zip_code", "age_band",
                     "income_band"):
            if getattr(data, name) != getattr(contest, name):
                raise ContestError("The contest has ended: its dates, its number of winners "
                                   "and its questions can no longer change.", name)
    for name, value in vars(data).items():
        setattr(contest, name, value)
    try:
        with database.atomic():
            contest.save()
    except IntegrityError:
        raise ContestError("Another contest has this address already.", "slug") from None
    return contest


# --- Entering ----------------------------------------------------------------------------

def _demographic(errors, contest, name, raw, check):
    """The checked value of one demographic field the contest asks for ('' when not)."""
    setting = getattr(contest, name)
    value = (raw or "").strip()
    if setting == Contest.OFF:
        return ""
    if not value:
        if setting == Contest.REQUIRED:
            errors[name] = "This contest needs this answer."
        return ""
    problem = check(value)
    if problem:
        errors[name] = problem
        return ""
    return value


def _zip(value):
    return None if re.fullmatch(r"[0-9]{5}", value) else "Enter a 5-digit zip code, like 62701."


def _band(bands):
    return lambda value: None if value in bands else "Choose one of the bands listed."


def has_entered(contest, key):
    """True when the address (its lower-cased key) has entered the contest."""
    return ContestEntry.select().where((ContestEntry.contest == contest)
                                       & (ContestEntry.email_key == key)).exists()


def enter(contest, email, zip_code="", age_band="", income_band="", consents=None, ip="",
          now=None):
    """Enter an email in a contest, once per address (case does not matter), only while it
    is open; the form's consent boxes are recorded with the channel "contest".

    ContestClosed outside the dates, ContestError with a message per field otherwise."""
    if not is_open(contest, now):
        raise ContestClosed("This contest is not open for entries.")
    errors = {}
    try:
        address, key = normalise_email(email)
    except ContactError as error:
        errors["email"], address, key = str(error), "", ""
    values = {"zip_code": _demographic(errors, contest, "zip_code", zip_code, _zip),
              "age_band": _demographic(errors, contest, "age_band", age_band,
                                       _band(AGE_BANDS)),
              "income_band": _demographic(errors, contest, "income_band", income_band,
                                          _band(INCOME_BANDS))}
    if key and has_entered(contest, key):
        errors.setdefault("email", ALREADY_ENTERED)
    if errors:
        raise ContestError(next(iter(errors.values())), errors=errors)
    try:
        with database.atomic():
            entry = ContestEntry.create(contest=contest, email=address, email_key=key, ip=ip,
                                        **values)
            mailing.record_form_choices(consents or {}, "contest", address=address, ip=ip)
    except IntegrityError:  # the same address, entered at the same moment
        raise ContestError(ALREADY_ENTERED, "email") from None
    return entry


def entry_count(contest):
    """How many entries the contest has."""
    return contest.entries.count()


# --- The draw ----------------------------------------------------------------------------

class DrawRefused(ContestError):
    """The draw cannot happen (not over yet, or done already)."""


def drawn(contest):
    """The contest's draw, or None."""
    return ContestDraw.get_or_none(ContestDraw.contest == contest)


def can_draw(contest, now=None):
    """True once the contest is over, until its winners are drawn."""
    return (now or utcnow()) >= contest.ends_at and drawn(contest) is None


def draw_winners(contest, staff, now=None):
    """Draw the winners among every entry, once the contest is over; record the draw (who,
    when, the eligible entry ids in the order drawn from, the winner ids) and mail each
    winner. SystemRandom takes no seed: the record, not a seed, is what can be checked."""
    now = now or utcnow()
    if now < contest.ends_at:
        raise DrawRefused("The winners are drawn after the contest ends, "
                          f"on {contest.ends_at:%Y-%m-%d %H:%M} UTC.")
    if drawn(contest) is not None:
        raise DrawRefused("The winners of this contest are drawn already.")
    try:
        with database.atomic():
            entries = list(contest.entries.order_by(ContestEntry.id))
            chosen = secrets.SystemRandom().sample(entries, min(contest.winners, len(entries)))
            draw = ContestDraw.create(contest=contest, drawn_by_id=staff.id, drawn_at=now,
                                      eligible=json.dumps([entry.id for entry in entries]),
                                      winners=json.dumps([entry.id for entry in chosen]))
            for entry in chosen:
                outbox.enqueue(entry.email, "contest_winner", f"You won: {contest.title}",
                               "contest_winner", contest=contest)
    except IntegrityError:  # someone else drew at the same moment
        raise DrawRefused("The winners of this contest are drawn already.") from None
    return draw


def draw_record(draw):
    """(eligible entry ids, winner ids) of a draw."""
    return json.loads(draw.eligible), json.loads(draw.winners)


def winners(draw):
    """The winning entries of a draw, in the order drawn (erased ones left out)."""
    ids = draw_record(draw)[1]
    found = {entry.id: entry for entry in ContestEntry.select().where(ContestEntry.id.in_(ids))}
    return [found[entry_id] for entry_id in ids if entry_id in found]


# --- Aggregate counts (P12) --------------------------------------------------------------

def suppress(counts, min_cell):
    """[(label, count or None)] for one breakdown of all entries, None where withheld.

    Every count of 1 to min_cell-1 entries is withheld. The total is on the page anyway
    (the entry count), so the withheld counts' sum can be worked out by subtraction: the
    next smallest counts are withheld too until that sum is at least min_cell. With fewer
    than min_cell entries in all, nothing is shown."""
    if sum(counts.values()) < min_cell:
        return [(label, None) for label in counts]
    hidden = {label for label, count in counts.items() if 0 < count < min_cell}
    # The withheld counts add up to total minus what is shown: withhold the next smallest
    # until that sum is itself at least min_cell (then it says nothing about any one).
    while hidden and sum(counts[label] for label in hidden) < min_cell:
        shown = [label for label, count in counts.items() if label not in hidden and count]
        if not shown:
            break
        hidden.add(min(shown, key=lambda label: counts[label]))
    return [(label, None if label in hidden else count) for label, count in counts.items()]


def _counts(contest, expr, labels=None):
    """{label: entries} of one breakdown: the bands in their order (zip areas sorted), then
    the entries that did not say. Grouped by column position: an expression with parameters
    would not match itself on PostgreSQL."""
    found = dict(ContestEntry.select(expr, fn.COUNT(ContestEntry.id))
                 .where(ContestEntry.contest == contest).group_by(SQL("1")).tuples())
    keys = [key for key in (labels or sorted(found)) if key and key in found]
    counts = {(labels or {}).get(key, key): found[key] for key in keys}
    if found.get(""):
        counts[NOT_GIVEN] = found[""]
    return counts


def demographics(contest, min_cell):
    """The entries by age band, income band and zip code area (its first three digits), for
    what the contest asks, each breakdown suppressed: {heading: [(label, count or None)]}.
    For shop staff only: never on a partner page or in an export."""
    breakdowns = (("age_band", "Age band", ContestEntry.age_band, AGE_BANDS),
                  ("income_band", "Income band", ContestEntry.income_band, INCOME_BANDS),
                  ("zip_code", "Zip code area (first three digits)",
                   fn.SUBSTR(ContestEntry.zip_code, 1, 3), None))
    return {heading: suppress(_counts(contest, expr, labels), min_cell)
            for name, heading, expr, labels in breakdowns
            if getattr(contest, name) != Contest.OFF}
