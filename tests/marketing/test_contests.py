"""Contests (P6): one entry per email while open, the demographics the contest asks for and
nothing else, a recorded draw with `secrets` once it is over, winners told by email, and
entry demographics only as k-suppressed counts for shop staff."""
import json
import re
import threading
from datetime import timedelta

import pytest

from storefront.db import utcnow
from storefront.mail import delivery
from storefront.mail.models import OutboxMessage
from storefront.marketing import contests
from storefront.marketing.models import Contest, ContestDraw, ContestEntry
from storefront.privacy import consent

from tests.factories import make_staff, post_form, staff_sign_in

RULES = "## Who may enter\n\nAnyone aged 18 or over.<script>alert(1)</script>"


def make_contest(**overrides):
    now = utcnow()
    fields = {"title": "Spring lamp draw", "slug": "spring-lamps", "rules": RULES,
              "prizes": "A **brass** desk lamp", "starts_at": now - timedelta(days=1),
              "ends_at": now + timedelta(days=7), "winners": 1}
    fields.update(overrides)
    return Contest.create(**fields)


def ended(**overrides):
    now = utcnow()
    return make_contest(starts_at=now - timedelta(days=10), ends_at=now - timedelta(hours=1),
                        **overrides)


def enter(client, slug="spring-lamps", **data):
    return post_form(client, f"/contests/{slug}", data, token_page="/catalogue/request")


def error_for(html, field_id):
    match = re.search(rf'id="{re.escape(field_id)}-error">([^<]+)<', html)
    return match.group(1) if match else None


def staff_client(app, role="marketing"):
    client = app.test_client()
    make_staff(role)
    staff_sign_in(client, f"{role}@staff.example.com")
    return client


def deliver_now(app):
    with app.app_context():
        return delivery.run(delivery.Settings.for_app(app), threading.Event(), once=True)


def add_entries(contest, n, **fields):
    return [ContestEntry.create(contest=contest, email=f"e{i}@example.com",
                                email_key=f"e{i}@example.com", **fields) for i in range(n)]


# --- The public pages --------------------------------------------------------------------

def test_only_live_contests_are_listed_and_the_rules_are_safe(client, db):
    make_contest()
    make_contest(title="Next year", slug="later", starts_at=utcnow() + timedelta(days=30),
                 ends_at=utcnow() + timedelta(days=60))
    ended(title="Winter draw", slug="winter")
    listing = client.get("/contests/").get_data(as_text=True)
    assert "Spring lamp draw" in listing and "Next year" not in listing
    assert "Winter draw" not in listing
    html = client.get("/contests/spring-lamps").get_data(as_text=True)
    assert "<h3>Who may enter</h3>" in html and "<script>alert(1)" not in html
    assert "<strong>brass</strong>" in html and "Enter the contest" in html
    assert client.get("/contests/later").status_code == 404  # not announced yet
    assert client.get("/contests/" + "x" * 300).status_code == 404
    closed = client.get("/contests/winter").get_data(as_text=True)
    assert "takes no more entries" in closed and "Enter the contest" not in closed


def test_the_form_asks_only_what_the_contest_needs(client, db):
    make_contest(zip_code=Contest.REQUIRED, age_band=Contest.OPTIONAL,
                 income_band=Contest.OFF)
    html = client.get("/contests/spring-lamps").get_data(as_text=True)
    assert ">Zip code</label>" in html and "Your age (optional)" in html
    assert "income" not in html.lower()
    # An answer to a question the contest does not ask is not kept.
    enter(client, email="ada@example.com", zip_code="62701", income_band="100k+")
    entry = ContestEntry.get()
    assert (entry.zip_code, entry.age_band, entry.income_band) == ("62701", "", "")


@pytest.mark.parametrize("field, value, message", [
    ("zip_code", "6270", "Enter a 5-digit zip code, like 62701."),
    ("zip_code", "62701-1234", "Enter a 5-digit zip code, like 62701."),
    ("zip_code", "abcde", "Enter a 5-digit zip code, like 62701."),
    ("zip_code", "", "This contest needs this answer."),
    ("age_band", "17", "Choose one of the bands listed."),
    ("age_band", "", "This contest needs this answer."),
    ("income_band", "a lot", "Choose one of the bands listed."),
])
def test_bands_and_zip_codes_are_checked(client, db, field, value, message):
    make_contest(zip_code=Contest.REQUIRED, age_band=Contest.REQUIRED,
                 income_band=Contest.OPTIONAL)
    data = {"email": "ada@example.com", "zip_code": "62701", "age_band": "25-34",
            "income_band": "50-75k", field: value}
    response = enter(client, **data)
    assert response.status_code == 400
    assert error_for(response.get_data(as_text=True), field) == message
    assert ContestEntry.select().count() == 0


def test_an_entry_is_stored_with_its_answers_and_consent(client, db):
    make_contest()
    response = enter(client, email=" Ada.Shopper@Example.com ", zip_code="62701",
                     age_band="35-44", income_band="", partner_offers="y")
    assert response.status_code == 302
    assert "You are in the draw" in client.get(response.location).get_data(as_text=True)
    entry = ContestEntry.get()
    assert (entry.email, entry.email_key, entry.zip_code, entry.age_band, entry.income_band) \
        == ("Ada.Shopper@example.com", "ada.shopper@example.com", "62701", "35-44", "")
    events = consent.history(None, "ada.shopper@example.com")
    assert [(e.purpose, e.given, e.channel) for e in events] == \
        [(consent.PARTNER_OFFERS, True, "contest")]
    assert entry.ip == "127.0.0.1"


def test_one_entry_per_email_whatever_its_case(client, db):
    make_contest()
    assert enter(client, email="ada@example.com").status_code == 302
    response = enter(client, email="ADA@Example.COM", shop_marketing="y")
    assert response.status_code == 400
    assert error_for(response.get_data(as_text=True), "email") == \
        "This email address has already entered this contest: one entry each."
    assert ContestEntry.select().count() == 1
    assert consent.history(None, "ada@example.com") == []  # the refused form records nothing
    # Another contest is another entry.
    make_contest(slug="summer")
    assert enter(client, "summer", email="ADA@example.com").status_code == 302


def test_two_entries_at_the_same_moment_meet_the_unique_index(db, monkeypatch):
    contest = make_contest()
    contests.enter(contest, "ada@example.com")
    monkeypatch.setattr(contests, "has_entered", lambda contest, key: False)
    with pytest.raises(contests.ContestError, match="already entered") as refused:
        contests.enter(contest, "Ada@example.com")
    assert refused.value.errors == {"email": contests.ALREADY_ENTERED}
    assert ContestEntry.select().count() == 1


def test_entries_are_refused_outside_the_dates(client, db):
    contest = ended()
    response = enter(client, contest.slug, email="ada@example.com")
    assert response.status_code == 400
    assert "This contest is not open for entries." in response.get_data(as_text=True)
    future = make_contest(slug="later", starts_at=utcnow() + timedelta(days=1))
    with pytest.raises(contests.ContestClosed):
        contests.enter(future, "ada@example.com")
    with pytest.raises(contests.ContestClosed):  # the end itself is closed
        contests.enter(future, "ada@example.com", now=future.ends_at)
    contests.enter(future, "ada@example.com", now=future.starts_at)
    assert [e.contest_id for e in ContestEntry.select()] == [future.id]


# --- The draw ----------------------------------------------------------------------------

def test_the_draw_is_recorded_and_can_be_checked_from_its_record(app, db):
    contest = ended(winners=2)
    entries = add_entries(contest, 5)
    other = ended(slug="other")
    add_entries(other, 2)
    staff = make_staff("marketing")
    with app.test_request_context():
        draw = contests.draw_winners(contest, staff)
    stored = ContestDraw.get(ContestDraw.contest == contest)
    eligible, winners = json.loads(stored.eligible), json.loads(stored.winners)
    # The eligible list is the contest's entries by id, as anyone can list them again.
    assert eligible == [entry.id for entry in entries]
    assert eligible == [e.id for e in contest.entries.order_by(ContestEntry.id)]
    assert len(winners) == 2 == len(set(winners)) and set(winners) <= set(eligible)
    assert (stored.drawn_by_id, draw.id) == (staff.id, stored.id)
    mails = OutboxMessage.select().where(OutboxMessage.category == "contest_winner")
    assert sorted(m.recipient for m in mails) == \
        sorted(ContestEntry.get_by_id(i).email for i in winners)
    assert all(m.purpose == "" for m in mails)  # a service mail, not marketing


def test_fewer_entries_than_prizes_all_win_and_none_is_a_recorded_empty_draw(app, db):
    staff = make_staff("marketing")
    few = ended(winners=3)
    [only] = add_entries(few, 1)
    nobody = ended(slug="empty", winners=2)
    with app.test_request_context():
        assert contests.draw_record(contests.draw_winners(few, staff)) == ([only.id], [only.id])
        assert contests.draw_record(contests.draw_winners(nobody, staff)) == ([], [])


def test_the_draw_is_refused_before_the_end_and_a_second_time(app, db):
    contest = make_contest()
    add_entries(contest, 3)
    staff = make_staff("marketing")
    with app.test_request_context():
        with pytest.raises(contests.DrawRefused, match="after the contest ends"):
            contests.draw_winners(contest, staff)
        contests.draw_winners(contest, staff, now=contest.ends_at)
        with pytest.raises(contests.DrawRefused, match="drawn already"):
            contests.draw_winners(contest, staff, now=contest.ends_at + timedelta(days=1))
    assert ContestDraw.select().count() == 1
    assert OutboxMessage.select().count() == 1


def test_staff_draw_on_the_page_and_the_winner_gets_mail(app, db, smtp_sink):
    client = staff_client(app)
    contest = ended(winners=1)
    add_entries(contest, 1)
    page = f"/staff/marketing/contests/{contest.id}"
    assert "Draw winners" in client.get(page).get_data(as_text=True)
    response = post_form(client, f"{page}/draw", {}, token_page=page)
    assert response.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "1 winner is drawn and told by email" in html and "Draw winners" not in html
    assert "Staff marketing" in html and "e0@example.com" in html
    assert f"<code>[{contest.entries.get().id}]</code>" in html
    again = post_form(client, f"{page}/draw", {}, token_page=page)
    assert again.status_code == 400 and "drawn already" in again.get_data(as_text=True)
    assert deliver_now(app)["sent"] == 1
    [mail] = smtp_sink.messages()
    assert (mail["To"], mail["Subject"]) == ("e0@example.com", "You won: Spring lamp draw")
    text = mail.get_body(("plain",)).get_content()
    assert "A **brass** desk lamp" in text
    assert f"{app.config['SHOP_URL']}/contests/spring-lamps" in text
    assert "List-Unsubscribe" not in mail


def test_the_page_offers_no_draw_before_the_end(app, db):
    client = staff_client(app)
    contest = make_contest()
    page = f"/staff/marketing/contests/{contest.id}"
    html = client.get(page).get_data(as_text=True)
    assert "can be drawn once the contest closes" in html and "Draw winners" not in html
    response = post_form(client, f"{page}/draw", {}, token_page=page)
    assert response.status_code == 400 and "after the contest ends" in \
        response.get_data(as_text=True)
    assert ContestDraw.select().count() == 0


# --- Staff: setting contests up ------------------------------------------------------------

CONTEST_FORM = {"title": "Autumn draw", "slug": "autumn", "rules": "Be nice.",
                "prizes": "A rug", "starts_at": "2030-09-01T09:00",
                "ends_at": "2030-09-30T18:00", "winners": "2", "zip_code": "required",
                "age_band": "off", "income_band": "optional"}


def test_staff_set_up_a_contest(app, db):
    client = staff_client(app)
    response = post_form(client, "/staff/marketing/contests/new", CONTEST_FORM)
    assert response.status_code == 302
    contest = Contest.get()
    assert (contest.slug, contest.winners, contest.zip_code, contest.age_band) == \
        ("autumn", 2, "required", "off")
    assert contest.ends_at.isoformat() == "2030-09-30T18:00:00"
    listing = client.get("/staff/marketing/contests").get_data(as_text=True)
    assert "Autumn draw" in listing and "not drawn" in listing


@pytest.mark.parametrize("changes, field, message", [
    ({"title": " "}, "title", "Give the contest a title."),
    ({"slug": "Autumn Draw"}, "slug", "Use lowercase letters, digits and single hyphens"),
    ({"ends_at": "2030-08-01T09:00"}, "ends_at", "The end must come after the start."),
    ({"ends_at": "tomorrow"}, "ends_at", "Enter a date and time like 2026-05-01 09:00."),
    ({"winners": "0"}, "winners", "Draw between 1 and 1000 winners."),
    ({"winners": "two"}, "winners", "Enter a whole number."),
    ({"zip_code": "always"}, "zip_code", "Not a valid choice."),
    ({"rules": ""}, "rules", "Write the rules."),
])
def test_the_contest_form_says_what_is_wrong(app, db, changes, field, message):
    client = staff_client(app)
    response = post_form(client, "/staff/marketing/contests/new", {**CONTEST_FORM, **changes},
                         token_page="/staff/marketing/contests/new")
    assert response.status_code == 400
    assert message in error_for(response.get_data(as_text=True), field)
    assert Contest.select().count() == 0


def test_a_slug_in_use_is_refused_and_a_contest_can_be_changed_until_drawn(app, db):
    client = staff_client(app)
    make_contest(slug="autumn")
    response = post_form(client, "/staff/marketing/contests/new", CONTEST_FORM,
                         token_page="/staff/marketing/contests/new")
    assert error_for(response.get_data(as_text=True), "slug") == \
        "Another contest has this address already."
    contest = make_contest(slug="winter")  # still open: everything may change
    edit = f"/staff/marketing/contests/{contest.id}/edit"
    assert 'value="winter"' in client.get(edit).get_data(as_text=True)
    changed = {**CONTEST_FORM, "slug": "winter", "title": "Winter draw"}
    assert post_form(client, edit, changed).status_code == 302
    assert Contest.get_by_id(contest.id).title == "Winter draw"
    with app.test_request_context():
        contests.draw_winners(Contest.get_by_id(contest.id), make_staff("admin"),
                              now=Contest.get_by_id(contest.id).ends_at)
    refused = post_form(client, edit, {**changed, "title": "Changed later"})
    assert refused.status_code == 400
    assert "can no longer change" in refused.get_data(as_text=True)
    assert Contest.get_by_id(contest.id).title == "Winter draw"
    assert client.get("/staff/marketing/contests/99999999999/edit").status_code == 404


def test_only_marketing_and_admin_reach_the_contest_pages(app, db):
    contest = ended()
    care = staff_client(app, "care")
    for path in ("/staff/marketing/contests", f"/staff/marketing/contests/{contest.id}",
                 "/staff/marketing/contests/new"):
        assert care.get(path).status_code == 403
    assert post_form(care, f"/staff/marketing/contests/{contest.id}/draw", {},
                     token_page="/staff/").status_code == 403
    admin = staff_client(app, "admin")
    assert "Spring lamp draw" in admin.get("/staff/marketing/contests").get_data(as_text=True)


# --- Aggregate counts ----------------------------------------------------------------------

def test_suppression_withholds_small_counts_and_what_would_reveal_them():
    assert contests.suppress({"a": 12, "b": 3, "c": 20}, 10) == \
        [("a", None), ("b", None), ("c", 20)]  # b alone would follow from the total
    # b + c would follow from the total (5, and from {12, 1, 1} that both are 1): a goes too.
    assert contests.suppress({"a": 12, "b": 3, "c": 2}, 10) == \
        [("a", None), ("b", None), ("c", None)]
    assert contests.suppress({"a": 12, "b": 1, "c": 1, "d": 30}, 10) == \
        [("a", None), ("b", None), ("c", None), ("d", 30)]
    assert contests.suppress({"a": 12, "b": 0, "c": 20}, 10) == \
        [("a", 12), ("b", 0), ("c", 20)]
    assert contests.suppress({"a": 5, "b": 3}, 10) == [("a", None), ("b", None)]
    assert contests.suppress({}, 10) == []


def test_the_staff_page_shows_demographics_k_suppressed(app, db):
    contest = ended(zip_code=Contest.OPTIONAL, age_band=Contest.REQUIRED,
                    income_band=Contest.OFF)
    for n, band, zip_code in ((12, "25-34", "62701"), (11, "35-44", ""), (3, "65+", "10001")):
        for i in range(n):
            ContestEntry.create(contest=contest, email=f"{band}.{i}@example.com",
                                email_key=f"{band}.{i}@example.com", age_band=band,
                                zip_code=zip_code)
    assert contests.demographics(contest, 10) == {
        # 3 is withheld; 11 goes too, or 26 - 12 - 11 would give the 3 away.
        "Age band": [("25 to 34", 12), ("35 to 44", None), ("65 or over", None)],
        "Zip code area (first three digits)": [("100", None), ("627", 12),
                                               ("Not given", None)],
    }
    client = staff_client(app)
    html = client.get(f"/staff/marketing/contests/{contest.id}").get_data(as_text=True)
    assert "<caption>Age band</caption>" in html and "Income band" not in html
    assert html.count(">withheld</abbr>") == 4
    assert "<dd>26</dd>" in html


def test_an_ended_contest_cannot_be_reopened_or_given_more_winners_before_its_draw(db):
    contest = ended(winners=1)
    same = contests.ContestData(contest.title, contest.slug, contest.rules, contest.prizes,
                                contest.starts_at, contest.ends_at, contest.winners)
    for change in ({"ends_at": utcnow() + timedelta(days=3)}, {"winners": 5}):
        with pytest.raises(contests.ContestError) as refused:
            contests.update_contest(contest, contests.ContestData(**{**vars(same), **change}))
        assert "has ended" in str(refused.value)
    fixed = contests.update_contest(contest, contests.ContestData(
        **{**vars(same), "title": "Spring lamp draw (typo fixed)"}))
    assert fixed.title.endswith("(typo fixed)") and not contests.is_open(fixed)
