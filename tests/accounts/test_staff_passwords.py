"""Staff passwords: a member changes their own (a wrong current password counts towards the
sign-in lock; every session ends and the browser gets a new one), and a password someone
else chose must be changed before any staff page opens. An admin's temporary passwords:
test_staff_temporary_passwords."""
from datetime import timedelta

import pytest

from storefront.accounts import sessions, staff
from storefront.accounts.current import PASSWORD_TYPED
from storefront.accounts.models import STAFF_ROLES, AccountSession, StaffUser
from tests.accounts.test_staff import _records, _url, staff_routes
from tests.backoffice.test_partners_admin import error_of
from tests.factories import STAFF_PASSWORD, make_staff, post_form, staff_sign_in
from tests.partners.conftest import make_partner

PAGE = "/staff/password"
NEW_PASSWORD = "lanterns over the harbour"
TEMPORARY = "borrowed umbrella at noon"


def signed_in(app, member, password=STAFF_PASSWORD):
    """A new client signed in as member."""
    client = app.test_client()
    assert staff_sign_in(client, member.email, password).status_code == 302
    return client


def change(client, current=STAFF_PASSWORD, new=NEW_PASSWORD, confirm=None):
    return post_form(client, PAGE, {"current_password": current, "new_password": new,
                                    "confirm": new if confirm is None else confirm})


def is_signed_in(client):
    return client.get("/staff/").status_code == 200


def stored_user_id(client):
    """The session token flask-login keeps in the client's cookie session."""
    with client.session_transaction() as cookie:
        return cookie["_user_id"]


def copy_of(app, client):
    """Another client holding a copy of client's session cookie (as a thief would)."""
    name = app.config["SESSION_COOKIE_NAME"]
    thief = app.test_client()
    thief.set_cookie(name, client.get_cookie(name).value)
    return thief


def test_a_member_changes_their_password_and_only_their_other_sessions_end(app, db):
    member = make_staff("care")
    here, elsewhere = signed_in(app, member), signed_in(app, member)
    assert "Change your password" in here.get("/staff/").get_data(as_text=True)
    response = change(here)
    assert response.status_code == 302 and response.location.endswith("/staff/")
    assert "Your password is changed" in here.get("/staff/").get_data(as_text=True)
    assert is_signed_in(here) and not is_signed_in(elsewhere)
    assert AccountSession.select().where(AccountSession.staff == member.id).count() == 1
    assert staff_sign_in(app.test_client(), member.email).status_code == 400
    assert staff_sign_in(app.test_client(), member.email, NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_every_role_reaches_the_page(app, db, role):
    member = make_staff(role)
    if role == "partner":
        StaffUser.update(partner=make_partner("alpha")).where(StaffUser.id == member.id) \
            .execute()
    client = signed_in(app, member)
    assert client.get(PAGE).status_code == 200
    assert change(client).status_code == 302
    assert StaffUser.get_by_id(member.id).password_hash != member.password_hash


@pytest.mark.parametrize("changes, field, message", [
    ({"current": ""}, "current_password", "Enter your current password."),
    ({"new": "short pass1"}, "new_password", "Use at least 12 characters."),
    ({"new": "password1234"}, "new_password", "too common"),
    ({"new": "care about the staff pages"}, "new_password", "Do not use your email address"),
    ({"new": STAFF_PASSWORD}, "new_password", staff.SAME_AS_CURRENT),
    ({"confirm": "lanterns over the harbor"}, "confirm", "The passwords do not match."),
])
def test_new_passwords_follow_the_staff_rules_by_the_field(app, db, changes, field, message):
    member = make_staff("care")
    client = signed_in(app, member)
    response = change(client, **changes)
    assert response.status_code == 400
    assert message in (error_of(response.get_data(as_text=True), field) or "NONE")
    assert StaffUser.get_by_id(member.id).password_hash == member.password_hash


def test_a_wrong_current_password_counts_towards_the_sign_in_lock(app, db):
    member = make_staff("care")
    client = signed_in(app, member)
    secret = app.config["SECRET_KEY"]
    for _ in range(staff.STAFF_LOCK_AFTER):
        response = change(client, current="a guess at the password")
        assert response.status_code == 400
        assert error_of(response.get_data(as_text=True), "current_password") == \
            staff.WRONG_CURRENT
    assert staff.staff_locked_until(member, secret) is not None
    # Locked: even the right password changes nothing, here or at the sign-in page.
    response = change(client)
    assert response.status_code == 400
    assert error_of(response.get_data(as_text=True), "current_password") == staff.STAFF_LOCKED
    assert StaffUser.get_by_id(member.id).password_hash == member.password_hash
    assert staff.STAFF_LOCKED in staff_sign_in(app.test_client(), member.email) \
        .get_data(as_text=True)


def test_changing_the_password_gives_the_browser_a_new_session_token(app, db):
    member = make_staff("care")
    here = signed_in(app, member)
    stolen = copy_of(app, here)
    old = stored_user_id(here)
    assert is_signed_in(stolen)  # the copy works until the password changes
    assert change(here).status_code == 302
    new = stored_user_id(here)
    assert new != old and new.startswith(sessions.STAFF_PREFIX)
    idle = timedelta(minutes=app.config["STAFF_IDLE_MINUTES"])
    assert sessions.resolve(old, staff_idle=idle) is None
    assert sessions.resolve(new, staff_idle=idle).id == member.id
    assert is_signed_in(here) and not is_signed_in(stolen)
    assert AccountSession.select().where(AccountSession.staff == member.id).count() == 1
    with here.session_transaction() as cookie:  # fresh: the password was just typed
        assert cookie["_fresh"] is True and PASSWORD_TYPED in cookie


def test_the_service_ends_every_session_of_the_member(app, db):
    member = make_staff("care")
    one, other = signed_in(app, member), signed_in(app, member)
    staff.change_own_password(member, STAFF_PASSWORD, NEW_PASSWORD, "", app.config["SECRET_KEY"])
    assert not is_signed_in(one) and not is_signed_in(other)
    assert AccountSession.select().where(AccountSession.staff == member.id).count() == 0


# --- A password someone else chose ---------------------------------------------------------

def test_a_member_who_must_change_is_sent_to_the_page_by_every_staff_route(app, db):
    records, default = _records()
    member = make_staff("admin", must_change_password=True)
    client = signed_in(app, member)
    app.config["WTF_CSRF_ENABLED"] = False  # sent away for the password, not for a token
    checked = 0
    try:
        for rule, method, _ in staff_routes(app):
            if rule.endpoint == "staff.change_password":
                continue
            response = client.open(_url(rule, records, default), method=method)
            assert response.status_code == 302 and response.location.endswith(PAGE), \
                (rule.rule, method)
            checked += 1
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert checked > 50
    page = client.get(PAGE)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Someone else chose your password" in html  # the flash
    assert "chosen by someone else" in html  # the page says why
    assert change(client).status_code == 302
    assert not StaffUser.get_by_id(member.id).must_change_password
    assert client.get("/care/").status_code == 200


def test_the_portal_waits_for_a_partner_login_to_change_its_first_password(app, db):
    partner = make_partner("alpha")
    member = staff.create_staff("pat@alpha.example", "Pat", ["partner"], TEMPORARY,
                                must_change_password=True)
    StaffUser.update(partner=partner).where(StaffUser.id == member.id).execute()
    client = signed_in(app, member, TEMPORARY)
    for path in ("/partner/customers", "/partner/orders", "/staff/"):
        response = client.get(path)
        assert response.status_code == 302 and response.location.endswith(PAGE), path
    # Signing out is no staff page: it works.
    response = post_form(client, "/staff/logout", {}, token_page=PAGE)
    assert response.status_code == 302 and response.location.endswith("/staff/login")
    assert AccountSession.select().where(AccountSession.staff == member.id).count() == 0
    client = signed_in(app, member, TEMPORARY)
    assert change(client, current=TEMPORARY).status_code == 302
    assert client.get("/partner/customers").status_code == 200


def test_a_partner_login_added_in_the_back_office_must_change_its_password(app, db):
    partner = make_partner("alpha")
    admin = signed_in(app, make_staff("admin"))
    page = f"/staff/partners/{partner.id}"
    response = post_form(admin, f"{page}/staff", {
        "staff-name": "Pat", "staff-email": "pat@alpha.example", "staff-password": TEMPORARY,
        "staff-confirm": TEMPORARY}, token_page=page)
    assert response.status_code == 302
    assert StaffUser.by_email_key("pat@alpha.example").must_change_password


def test_staff_add_takes_temporary_for_a_password_chosen_for_someone_else(runner, db):
    for email, extra, must in [("own@example.com", [], False),
                               ("theirs@example.com", ["--temporary"], True)]:
        result = runner.invoke(args=["staff", "add", email, "--role", "care", *extra,
                                     "--password", STAFF_PASSWORD])
        assert result.exit_code == 0, result.output
        assert ("must be changed" in result.output) == must
        assert StaffUser.by_email_key(email).must_change_password == must
