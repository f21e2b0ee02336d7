"""An admin gives another member a temporary password, typing their own password with it (a
wrong one changes nothing and counts towards the admin's own sign-in lock): the member's
sessions end, the audit log records who did it, and the member is told by email, never with
the password."""
from datetime import UTC, datetime

import pytest
import time_machine

from storefront.accounts import staff
from storefront.accounts.models import STAFF_ROLES, StaffUser
from storefront.mail.models import OutboxMessage
from storefront.privacy.models import AuditEvent
from tests.accounts.test_staff_passwords import PAGE, TEMPORARY, change, is_signed_in, signed_in
from tests.backoffice.test_partners_admin import error_of
from tests.factories import STAFF_PASSWORD, make_staff, post_form, staff_sign_in


def temporary(admin_client, member, password=TEMPORARY, confirm=None, yours=STAFF_PASSWORD):
    prefix = f"member-{member.id}-"
    return post_form(admin_client, f"/staff/team/{member.id}/password",
                     {f"{prefix}password": password,
                      f"{prefix}confirm": password if confirm is None else confirm,
                      f"{prefix}your_password": yours},
                     token_page="/staff/team")


def staff_mail():
    return list(OutboxMessage.select().where(OutboxMessage.category == "staff_password"))


@time_machine.travel(datetime(2031, 5, 6, 14, 7, tzinfo=UTC), tick=False)
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
    # The member is told, by a service message that does not hold the password.
    (mail,) = staff_mail()
    assert (mail.recipient, mail.customer_id, mail.purpose) == (member.email, None, "")
    assert not mail.holds_secret
    for body in (mail.body_text, mail.body_html):
        assert "set a temporary password for your staff login" in body
        assert "14:07 UTC on 06 May 2031" in body
        assert "Staff admin (admin@staff.example.com)" in body
        assert app.config["CARE_EMAIL"] in body
        assert TEMPORARY not in body
    assert TEMPORARY not in mail.subject
    # The old password is gone; the temporary one signs in, to the password page only.
    assert staff_sign_in(app.test_client(), member.email).status_code == 400
    client = signed_in(app, member, TEMPORARY)
    assert client.get("/care/").location.endswith(PAGE)
    assert change(client, current=TEMPORARY).status_code == 302
    assert client.get("/care/").status_code == 200


def test_the_mail_names_an_admin_without_a_name_by_their_email_once(app, db):
    admin = make_staff("admin", name="")
    member = make_staff("care")
    assert temporary(signed_in(app, admin), member).status_code == 302
    (mail,) = staff_mail()
    assert "An administrator, admin@staff.example.com, set" in mail.body_text
    assert "tell admin@staff.example.com, or write to" in mail.body_text


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
    assert AuditEvent.select().count() == 0 and staff_mail() == []
    assert temporary(admin_client, member).status_code == 302
    assert staff.staff_locked_until(member, secret) is not None  # nothing unlocked silently


def test_a_wrong_own_password_changes_nothing_and_counts_towards_the_admins_lock(app, db):
    admin = make_staff("admin")
    member = make_staff("care")
    secret = app.config["SECRET_KEY"]
    admin_client, members_client = signed_in(app, admin), signed_in(app, member)
    yours, password = f"member-{member.id}-your_password", f"member-{member.id}-password"
    response = temporary(admin_client, member, "short pass1", yours="a guess at the password")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert error_of(html, yours) == staff.WRONG_YOURS
    assert "at least 12 characters" in (error_of(html, password) or "NONE")  # both at once
    assert "a guess at the password" not in html and "short pass1" not in html
    for _ in range(staff.STAFF_LOCK_AFTER - 1):
        response = temporary(admin_client, member, yours="a guess at the password")
        assert error_of(response.get_data(as_text=True), yours) == staff.WRONG_YOURS
    assert staff.staff_locked_until(admin, secret) is not None
    assert staff.staff_locked_until(member, secret) is None
    # The admin's sign-in is locked: even their right password changes nothing now.
    response = temporary(admin_client, member)
    assert response.status_code == 400
    assert error_of(response.get_data(as_text=True), yours) == staff.STAFF_LOCKED
    assert staff.STAFF_LOCKED in staff_sign_in(app.test_client(), admin.email) \
        .get_data(as_text=True)
    stored = StaffUser.get_by_id(member.id)
    assert stored.password_hash == member.password_hash and not stored.must_change_password
    assert is_signed_in(members_client)
    assert AuditEvent.select().count() == 0 and staff_mail() == []


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
