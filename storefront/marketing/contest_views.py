"""Contests (P6): the public list, a contest's page with its entry form, and the staff
pages that set contests up, count the entries and draw the winners."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import (EmailField, IntegerField, SelectChoice, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from storefront.accounts.current import current_staff, staff_route
from storefront.accounts.forms import EmptyForm, attach_error
from storefront.accounts.models import StaffUser
from storefront.marketing import contests
from storefront.marketing.blueprints import public, staff
from storefront.marketing.models import Contest
from storefront.privacy import audit
from storefront.privacy.forms import ConsentBoxes
from storefront.privacy.policy import render_markdown
from storefront.web.fields import Moment, strip
from storefront.web.params import client_ip

ROLES = ("marketing", "admin")
_ID = "<int(max=2147483647):contest_id>"


def _choices(bands, prompt):
    return [SelectChoice("", prompt), *(SelectChoice(key, label) for key, label in bands.items())]


class EntryForm(ConsentBoxes, FlaskForm):
    """An entry: the email, and the demographics the contest asks for (the service checks
    them: bands, zip code, what is required)."""

    email = EmailField("Email", filters=[strip], validators=[
        InputRequired("Enter your email address: winners are told by email."),
        Length(max=254)], render_kw={"autocomplete": "email"})
    zip_code = StringField("Zip code", filters=[strip], validators=[Length(max=10)],
                           render_kw={"autocomplete": "postal-code", "inputmode": "numeric"})
    age_band = SelectField("Your age", choices=_choices(contests.AGE_BANDS, "Choose a band"),
                           validate_choice=False)
    income_band = SelectField("Household income per year",
                              choices=_choices(contests.INCOME_BANDS, "Choose a band"),
                              validate_choice=False)


def entry_form(contest):
    """The entry form with only the demographic fields the contest asks for."""
    form = EntryForm()
    for name in contests.DEMOGRAPHICS:
        setting = getattr(contest, name)
        if setting == Contest.OFF:
            del form[name]
        elif setting == Contest.OPTIONAL:
            form[name].label.text += " (optional)"
    return form


class _Count(IntegerField):
    """A whole number, refused with a message that says so."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter a whole number.") from None


_SETTINGS = [SelectChoice(key, label) for key, label in contests.SETTINGS.items()]


class ContestForm(FlaskForm):
    """What staff write about a contest (the service checks the rules between fields)."""

    title = StringField("Title", filters=[strip], validators=[
        InputRequired("Give the contest a title."), Length(max=120)])
    slug = StringField("Web address", filters=[strip], validators=[
        InputRequired("Give the contest a web address."), Length(max=80)])
    rules = TextAreaField("Rules (Markdown)", filters=[strip], validators=[
        InputRequired("Write the rules."), Length(max=20_000)], render_kw={"rows": 12})
    prizes = TextAreaField("Prizes", filters=[strip], validators=[Optional(),
                                                                   Length(max=2000)],
                           render_kw={"rows": 4})
    starts_at = Moment("Entries open (UTC)", validators=[InputRequired("Enter when entries open.")])
    ends_at = Moment("Entries close (UTC)", validators=[InputRequired("Enter when entries close.")])
    winners = _Count("Number of winners", default=1, validators=[
        InputRequired("Enter how many winners to draw."),
        NumberRange(1, contests.MAX_WINNERS,
                    f"Draw between 1 and {contests.MAX_WINNERS} winners.")])
    zip_code = SelectField("Zip code", choices=_SETTINGS, default=Contest.OPTIONAL)
    age_band = SelectField("Age band", choices=_SETTINGS, default=Contest.OPTIONAL)
    income_band = SelectField("Income band", choices=_SETTINGS, default=Contest.OPTIONAL)

    def data_for_service(self):
        """The form as the service takes it."""
        return contests.ContestData(**{name: self[name].data for name in (
            "title", "slug", "rules", "prizes", "starts_at", "ends_at", "winners",
            *contests.DEMOGRAPHICS)})


# --- Public ------------------------------------------------------------------------------

@public.get("/contests/")
def contest_list():
    """The contests open for entries now."""
    return render_template("marketing/contests.html", contests=list(contests.live()))


@public.route("/contests/<slug>", methods=["GET", "POST"])
def contest(slug):
    """A contest: rules, prizes, dates, and the entry form while it is open."""
    found = contests.public_contest(slug)
    if found is None:
        abort(404)
    form = entry_form(found)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                contests.enter(found, form.email.data, *(
                    form[name].data if name in form else "" for name in contests.DEMOGRAPHICS),
                    consents=form.consent_choices(), ip=client_ip())
            except contests.ContestError as error:
                attach_error(form, error)
            else:
                flash("You are in the draw. If you win, we will tell you by email.",
                      "success")
                return redirect(url_for("marketing.contest", slug=found.slug))
        status = 400
    return render_template("marketing/contest.html", contest=found, form=form,
                           is_open=contests.is_open(found), rules=render_markdown(found.rules),
                           prizes=render_markdown(found.prizes)), status


# --- Staff -------------------------------------------------------------------------------

def _contest_or_404(contest_id):
    found = Contest.get_or_none(Contest.id == contest_id)
    if found is None:
        abort(404)
    return found


@staff.get("/contests")
@staff_route(*ROLES)
def contests_admin():
    """Every contest, newest first, with its entry count."""
    rows = [(contest, contests.entry_count(contest), contests.drawn(contest))
            for contest in Contest.select().order_by(Contest.starts_at.desc(), Contest.id.desc())]
    return render_template("marketing/contests_staff.html", rows=rows)


@staff.route("/contests/new", methods=["GET", "POST"])
@staff_route(*ROLES)
def contest_new():
    """Set up a contest."""
    form = ContestForm()
    if form.validate_on_submit():
        try:
            created = contests.create_contest(form.data_for_service())
        except contests.ContestError as error:
            attach_error(form, error)
        else:
            flash(f"The contest {created.title} is saved.", "success")
            return redirect(url_for("marketing_staff.contest_admin", contest_id=created.id))
    return render_template("marketing/contest_form.html", form=form, contest=None), \
        400 if form.errors or form.form_errors else 200


@staff.route(f"/contests/{_ID}/edit", methods=["GET", "POST"])
@staff_route(*ROLES)
def contest_edit(contest_id):
    """Change a contest, until its winners are drawn."""
    found = _contest_or_404(contest_id)
    form = ContestForm(obj=found if request.method == "GET" else None)  # a POST: its own fields
    if form.validate_on_submit():
        try:
            contests.update_contest(found, form.data_for_service())
        except contests.ContestError as error:
            attach_error(form, error)
        else:
            flash("The contest is saved.", "success")
            return redirect(url_for("marketing_staff.contest_admin", contest_id=found.id))
    return render_template("marketing/contest_form.html", form=form, contest=found), \
        400 if form.errors or form.form_errors else 200


@staff.get(f"/contests/{_ID}")
@staff_route(*ROLES)
def contest_admin(contest_id):
    """A contest for staff: entries, the k-suppressed demographics, the draw or its record."""
    found = _contest_or_404(contest_id)
    return _admin_page(found)


def _admin_page(found, status=200):
    draw = contests.drawn(found)
    eligible, winners, drawn_by = [], [], None
    if draw is not None:
        eligible = contests.draw_record(draw)[0]
        winners = contests.winners(draw)
        drawn_by = StaffUser.get_or_none(StaffUser.id == draw.drawn_by_id)
        audit.listed(current_staff(), f"contest {found.id}: winners",
                     [(None, entry.email) for entry in winners])
    min_cell = current_app.config["REPORT_MIN_CELL"]
    return render_template(
        "marketing/contest_staff.html", contest=found, entries=contests.entry_count(found),
        draw=draw, eligible=eligible, winners=winners, drawn_by=drawn_by,
        can_draw=contests.can_draw(found),
        demographics=contests.demographics(found, min_cell), min_cell=min_cell), status


@staff.post(f"/contests/{_ID}/draw")
@staff_route(*ROLES)
def contest_draw(contest_id):
    """Draw the winners, once, after the end; each winner is mailed."""
    found = _contest_or_404(contest_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        draw = contests.draw_winners(found, current_staff())
    except contests.DrawRefused as error:
        flash(str(error), "error")
        return _admin_page(found, 400)
    count = len(contests.draw_record(draw)[1])
    flash(f"{count} winner{'s are' if count != 1 else ' is'} drawn and told by email.",
          "success")
    return redirect(url_for("marketing_staff.contest_admin", contest_id=found.id))
