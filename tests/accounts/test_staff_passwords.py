"""Staff passwords: a member changes their own (a wrong current password counts towards the
sign-in lock), an admin sets a temporary one for someone else, and a password someone else
chose must be changed before any staff page opens."""
import pytest

from storefront.accounts import staff
from storefront.accounts.models import STAFF_ROLES, AccountSession, StaffUser
from storefront.privacy.models import AuditEvent
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


def test_the_service_keeps_the_session_it_is_given(app, db):
    member = make_staff("care")
    keep, other = signed_in(app, member), signed_in(app, member)
    with keep.session_transaction() as cookie:
        kept = cookie["_user_id"]
    staff.change_own_password(member, STAFF_PASSWORD, NEW_PASSWORD, "", app.config["SECRET_KEY"],
                              keep=kept)
    assert is_signed_in(keep) and not is_signed_in(other)


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


# --- An admin's temporary password ---------------------------------------------------------

def temporary(admin_client, member, password=TEMPORARY, confirm=None):
    prefix = f"member-{member.id}-"
    return post_form(admin_client, f"/staff/team/{member.id}/password",
                     {f"{prefix}password": password,
                      f"{prefix}confirm": password if confirm is None else confirm},
                     token_page="/staff/team")


def test_an_admin_sets_a_temporary_password_ending_the_members_sessions(app, db):
    admin = make_staff("admin")
    member = make_staff("care")
    admin_client, members_client = signed_in(app, admin), signed_in(app, member)
    response = temporary(admin_client, member)
    assert response.status_code == 302 and response.location.endswith("/staff/team")
    html = admin_client.get("/staff/team").get_data(as_text=True)
    assert "has a temporary password" in html and "Must choose a new password" in html
    assert not is_signed_in(members_client)
    assert is_signed_in(admin_client)
    stored = StaffUser.get_by_id(member.id)
    assert stored.must_change_password
    events = [(e.staff_id, e.action, e.email_key, e.what, bool(e.ip))
              for e in AuditEvent.select()]
    assert events == [(admin.id, AuditEvent.CHANGED, "care@staff.example.com",
                       "temporary password set for a staff login", True)]
    assert not any(TEMPORARY in str(value) for value in
                   AuditEvent.select().dicts().get().values())
    # The old password is gone; the temporary one signs in, to the password page only.
    assert staff_sign_in(app.test_client(), member.email).status_code == 400
    client = signed_in(app, member, TEMPORARY)
    assert client.get("/care/").location.endswith(PAGE)
    assert change(client, current=TEMPORARY).status_code == 302
    assert client.get("/care/").status_code == 200


def test_a_temporary_password_follows_the_staff_rules_and_leaves_a_lock(app, db):
    admin = make_staff("admin")
    member = make_staff("care")
    secret = app.config["SECRET_KEY"]
    for _ in range(staff.STAFF_LOCK_AFTER):
        staff_sign_in(app.test_client(), member.email, "a guess at the password")
    admin_client = signed_in(app, admin)
    field = f"member-{member.id}-password"
    for password, confirm, where, message in [
            ("short pass1", None, field, "at least 12 characters"),
            ("care for the staff pages", None, field, "email address"),
            (TEMPORARY, "something else", f"member-{member.id}-confirm", "do not match")]:
        response = temporary(admin_client, member, password, confirm)
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert message in (error_of(html, where) or "NONE")
        assert "<details open>" in html
    assert not StaffUser.get_by_id(member.id).must_change_password
    assert AuditEvent.select().count() == 0
    assert temporary(admin_client, member).status_code == 302
    assert staff.staff_locked_until(member, secret) is not None  # nothing unlocked silently


def test_an_admin_changes_their_own_password_on_their_own_page(app, db):
    admin = make_staff("admin")
    client = signed_in(app, admin)
    html = client.get("/staff/team").get_data(as_text=True)
    assert f"member-{admin.id}-password" not in html and "Change your own password" in html
    response = temporary(client, admin)
    assert response.status_code == 400
    assert error_of(response.get_data(as_text=True), f"member-{admin.id}-password") == \
        staff.OWN_PASSWORD
    assert not StaffUser.get_by_id(admin.id).must_change_password
    assert is_signed_in(client)


@pytest.mark.parametrize("role", [r for r in STAFF_ROLES if r != "admin"])
def test_only_an_admin_sets_a_temporary_password(app, db, role):
    member = make_staff("care", email="target@staff.example.com")
    client = signed_in(app, make_staff(role))
    app.config["WTF_CSRF_ENABLED"] = False  # refused for the role, not for a missing token
    try:
        response = client.post(f"/staff/team/{member.id}/password",
                               data={f"member-{member.id}-password": TEMPORARY,
                                     f"member-{member.id}-confirm": TEMPORARY})
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert response.status_code == 403
    assert StaffUser.get_by_id(member.id).password_hash == member.password_hash
    assert AuditEvent.select().count() == 0


def test_garbage_member_ids_are_not_found(app, db):
    client = signed_in(app, make_staff("admin"))
    assert temporary(client, StaffUser(id=99999999999999999999)).status_code == 404
    assert temporary(client, StaffUser(id=424242)).status_code == 404
